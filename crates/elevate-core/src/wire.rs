//! The list items of a refresh as typed wire shapes, read straight from the bytes: only the
//! fields Elevate uses are kept (the rest is skipped without being built), strings the
//! service sends as something else read as absent, and an item that does not fit is
//! dropped alone, never its page. `parse` turns these into the model.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

/// A string where the contract expects one; any other JSON (null, a number, an object) is
/// read and dropped, so one odd field never costs its item.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text(pub Option<String>);

impl Text {
    pub fn get(&self) -> Option<&str> {
        self.0.as_deref()
    }

    pub fn owned(&self) -> Option<String> {
        self.0.clone()
    }

    /// Equal to `want`, ignoring ASCII case (the docs show both `Direct` and `direct`).
    pub fn is(&self, want: &str) -> bool {
        self.get().is_some_and(|s| s.eq_ignore_ascii_case(want))
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
                Ok(Text(Some(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Text, E> {
                Ok(Text(Some(v)))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Text, E> {
                Ok(Text(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Text, E> {
                Ok(Text(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Text, E> {
                Ok(Text(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Text, E> {
                Ok(Text(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Text, E> {
                Ok(Text(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<Text, E> {
                Ok(Text(None))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Text, D::Error> {
                Text::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Text, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Text, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// A nested object where the contract expects one; null or any other JSON reads as absent
/// (`$expand=group` sometimes yields `group: null` [OBS]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Obj<T>(pub Option<T>);

impl<T> Default for Obj<T> {
    fn default() -> Self {
        Obj(None)
    }
}

impl<T> Obj<T> {
    pub fn get(&self) -> Option<&T> {
        self.0.as_ref()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Obj<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Obj<T>, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(|t| Obj(Some(t)))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Obj<T>, D::Error> {
                Obj::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Obj<T>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Obj(None))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// `displayName`, `type` and `id` of an expanded object (role definition, scope, group).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Named {
    pub display_name: Text,
    #[serde(rename = "type")]
    pub kind: Text,
    pub id: Text,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Expiration {
    pub end_date_time: Text,
    pub duration: Text,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ScheduleInfo {
    pub start_date_time: Text,
    pub expiration: Obj<Expiration>,
}

/// A Graph schedule instance or request, directory role or group: the fields of both.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct GraphItem {
    pub id: Text,
    pub role_definition_id: Text,
    pub directory_scope_id: Text,
    pub role_definition: Obj<Named>,
    pub directory_scope: Obj<Named>,
    pub group_id: Text,
    pub access_id: Text,
    pub group: Obj<Named>,
    pub assignment_type: Text,
    pub member_type: Text,
    pub start_date_time: Text,
    pub end_date_time: Text,
    pub role_eligibility_schedule_id: Text,
    pub eligibility_schedule_id: Text,
    pub status: Text,
    pub action: Text,
    pub schedule_info: Obj<ScheduleInfo>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ArmExpanded {
    pub role_definition: Obj<Named>,
    pub scope: Obj<Named>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ArmProperties {
    pub scope: Text,
    pub role_definition_id: Text,
    pub expanded_properties: Obj<ArmExpanded>,
    pub assignment_type: Text,
    pub member_type: Text,
    pub start_date_time: Text,
    pub end_date_time: Text,
    pub role_eligibility_schedule_id: Text,
    pub linked_role_eligibility_schedule_id: Text,
    pub status: Text,
    pub request_type: Text,
    pub schedule_info: Obj<ScheduleInfo>,
}

/// An ARM schedule instance or request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ArmItem {
    pub name: Text,
    pub properties: Obj<ArmProperties>,
}

/// One item of a page: `None` when it does not fit `T` (it is dropped, the page kept).
pub struct Item<T>(pub Option<T>);

impl<'de, T: DeserializeOwned> Deserialize<'de> for Item<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Isolated as raw text first: a failure inside it cannot stop the page's reader.
        let raw = <Box<RawValue>>::deserialize(d)?;
        Ok(Item(serde_json::from_str(raw.get()).ok()))
    }
}

/// A page's `value`: its items, or none when it is not an array.
struct Items<T>(Vec<Item<T>>);

impl<T> Default for Items<T> {
    fn default() -> Self {
        Items(vec![])
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Items<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: DeserializeOwned> Visitor<'de> for V<T> {
            type Value = Items<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Items<T>, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
                while let Some(item) = seq.next_element::<Item<T>>()? {
                    out.push(item);
                }
                Ok(Items(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Items<T>, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Items::default())
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Items<T>, D::Error> {
                Items::deserialize(d)
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Items<T>, E> {
                Ok(Items::default())
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Items<T>, E> {
                Ok(Items::default())
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Items<T>, E> {
                Ok(Items::default())
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Items<T>, E> {
                Ok(Items::default())
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Items<T>, E> {
                Ok(Items::default())
            }
            fn visit_unit<E: de::Error>(self) -> Result<Items<T>, E> {
                Ok(Items::default())
            }
            fn visit_none<E: de::Error>(self) -> Result<Items<T>, E> {
                Ok(Items::default())
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// One page of an OData or ARM list: its items and the link to the next page, if any.
#[derive(Deserialize)]
#[serde(bound(deserialize = "T: DeserializeOwned"))]
pub struct Page<T> {
    #[serde(default)]
    value: Items<T>,
    #[serde(default, rename = "@odata.nextLink")]
    odata_next: Text,
    #[serde(default, rename = "nextLink")]
    arm_next: Text,
}

impl<T> Page<T> {
    /// The items that fit and the next link.
    pub fn split(self) -> (Vec<T>, Option<String>) {
        let next = self.odata_next.0.or(self.arm_next.0);
        (self.value.0.into_iter().filter_map(|i| i.0).collect(), next)
    }
}

impl<T: DeserializeOwned> Page<T> {
    /// A page from a body; a body that is not a page is an empty page with no next link
    /// (what the former `Value` reader did with it).
    pub fn read(body: &[u8]) -> Result<Page<T>, serde_json::Error> {
        if body.is_empty() {
            return Ok(Page::empty());
        }
        let page: Obj<Page<T>> = serde_json::from_slice(body)?;
        Ok(page.0.unwrap_or_else(Page::empty))
    }

    pub fn empty() -> Page<T> {
        Page {
            value: Items::default(),
            odata_next: Text(None),
            arm_next: Text(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_fields_read_as_absent_and_odd_items_are_dropped_alone() {
        let body = br#"{"value": [
            {"roleDefinitionId": "r1", "memberType": 7, "roleDefinition": null, "startDateTime": ["x"]},
            "not an item",
            {"roleDefinitionId": "r2", "roleDefinition": {"displayName": "Two", "extra": {"deep": [1, 2]}}},
            {"roleDefinitionId": "r3", "group": "a string", "scheduleInfo": {"expiration": null}}
        ], "@odata.nextLink": "https://graph.example/next"}"#;
        let (items, next) = Page::<GraphItem>::read(body).expect("page").split();
        assert_eq!(next.as_deref(), Some("https://graph.example/next"));
        // The string is not an item: dropped, the three others kept.
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].role_definition_id.get(), Some("r1"));
        assert_eq!(items[0].member_type, Text(None));
        assert!(items[0].role_definition.get().is_none());
        assert_eq!(items[0].start_date_time, Text(None));
        assert_eq!(
            items[1]
                .role_definition
                .get()
                .and_then(|r| r.display_name.get()),
            Some("Two")
        );
        assert!(items[2].group.get().is_none());
    }

    #[test]
    fn arm_pages_use_next_link_and_a_missing_value_is_empty() {
        let (items, next) = Page::<ArmItem>::read(br#"{"nextLink": "https://arm.example/p2"}"#)
            .expect("page")
            .split();
        assert!(items.is_empty());
        assert_eq!(next.as_deref(), Some("https://arm.example/p2"));
        for odd in [
            &b""[..],
            b"null",
            b"[1]",
            br#"{"value": null}"#,
            br#"{"value": {"a": 1}}"#,
        ] {
            let (items, next) = Page::<ArmItem>::read(odd).expect("an empty page").split();
            assert!(items.is_empty() && next.is_none());
        }
        assert!(Page::<ArmItem>::read(b"{not json").is_err());
    }
}
