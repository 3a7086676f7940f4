//! OData on the wire: one GET, following `nextLink` pages, and up to 20 Graph GETs in one
//! `$batch` (throttled items sent again on their own).

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};

use crate::error::Error;
use crate::http::Request;
use crate::model::Plane;
use crate::secret::Secret;

use super::Pim;
use crate::auth::Resource;
use crate::wire::{Item, Page, Text};

/// Same scheme, host and port (the default port when none is written).
pub(super) fn same_origin(a: &str, b: &str) -> bool {
    match (url::Url::parse(a), url::Url::parse(b)) {
        (Ok(a), Ok(b)) => {
            a.scheme() == b.scheme()
                && a.host_str().map(str::to_ascii_lowercase)
                    == b.host_str().map(str::to_ascii_lowercase)
                && a.port_or_known_default() == b.port_or_known_default()
        }
        _ => false,
    }
}

impl Pim {
    /// Runs `call` (which takes its own token); when the service refuses the token (a 401:
    /// expired during a sleep, revoked, or a claims challenge from Continuous Access Evaluation
    /// or MFA on an ARM write), runs `call` once more with a renewed token, which asks for the
    /// challenge's claims and bypasses the cache (`Session::renew_after`). A refused token
    /// means nothing was processed, so this is safe for writes too. The one path for every
    /// call that does not handle 401 itself.
    pub(crate) async fn renewing<T, F, Fut>(&self, resource: Resource, call: F) -> Result<T, Error>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<T, Error>>,
    {
        match call().await {
            Err(e) if self.session.renew_after(resource, &e).await => call().await,
            other => other,
        }
    }

    pub(crate) async fn get(
        &self,
        url: &str,
        token: &Secret,
        plane: Plane,
    ) -> Result<Value, Error> {
        let resp = self.session.http().send(&Request::get(url, token)).await?;
        if !resp.ok() {
            return Err(resp.into_error(Some(plane)));
        }
        resp.json()
    }

    /// A 2xx body as bytes (for the typed readers).
    pub(crate) async fn get_body(
        &self,
        url: &str,
        token: &Secret,
        plane: Plane,
    ) -> Result<Vec<u8>, Error> {
        let resp = self.session.http().send(&Request::get(url, token)).await?;
        if !resp.ok() {
            return Err(resp.into_error(Some(plane)));
        }
        Ok(resp.body)
    }

    /// Every item of a list, typed, from its first page's URL.
    pub(crate) async fn list<T: DeserializeOwned>(
        &self,
        url: &str,
        token: &Secret,
        plane: Plane,
    ) -> Result<Vec<T>, Error> {
        let body = self.get_body(url, token, plane).await?;
        self.follow_typed(&body, token, plane).await
    }

    /// Follows `@odata.nextLink` / `nextLink` verbatim until absent; pages may be empty. A link
    /// to another origin than the plane's endpoint is refused: the bearer token goes nowhere else.
    pub(crate) async fn follow(
        &self,
        first: Value,
        token: &Secret,
        plane: Plane,
    ) -> Result<Vec<Value>, Error> {
        let body = serde_json::to_vec(&first).unwrap_or_default();
        self.follow_typed(&body, token, plane).await
    }

    /// `follow` from the first page's body, each item read as `T` (one that does not fit
    /// is dropped alone).
    pub(crate) async fn follow_typed<T: DeserializeOwned>(
        &self,
        first: &[u8],
        token: &Secret,
        plane: Plane,
    ) -> Result<Vec<T>, Error> {
        let (mut items, mut next) = read_page::<T>(first)?.split();
        let mut pages = 1;
        while let Some(url) = next {
            pages += 1;
            if pages > 1000 {
                return Err(Error::Network(
                    "more than 1,000 pages: the service keeps sending next links".into(),
                ));
            }
            let endpoint = match plane {
                Plane::AzureResource => &self.session.cfg.endpoints.arm,
                _ => &self.session.cfg.endpoints.graph,
            };
            if !same_origin(&url, endpoint) {
                return Err(Error::Network(format!(
                    "The service sent a next-page link to another host than {endpoint}; Elevate does not send your token there."
                )));
            }
            let body = self.get_body(&url, token, plane).await?;
            let (more, after) = read_page::<T>(&body)?.split();
            items.extend(more);
            next = after;
        }
        Ok(items)
    }

    /// Runs up to 20 Graph GETs in one `$batch`; items that come back throttled or
    /// unavailable are sent again on their own (the retry policy honours Retry-After).
    pub(super) async fn batch(
        &self,
        urls: &[String],
        token: &Secret,
    ) -> Result<Vec<Result<Value, Error>>, Error> {
        Ok(self
            .batch_bodies(urls, token)
            .await?
            .into_iter()
            .map(|r| r.and_then(|b| body_json(&b)))
            .collect())
    }

    /// `batch`, each answer's body as bytes, for the typed readers.
    pub(super) async fn batch_bodies(
        &self,
        urls: &[String],
        token: &Secret,
    ) -> Result<Vec<Result<Vec<u8>, Error>>, Error> {
        let requests: Vec<Value> = urls
            .iter()
            .enumerate()
            .map(|(i, u)| json!({"id": i.to_string(), "method": "GET", "url": u}))
            .collect();
        let body = json!({"requests": requests});
        let url = self.graph("/$batch");
        let resp = self
            .session
            .http()
            .send(&Request::read_batch(&url, token, &body))
            .await?;
        if !resp.ok() {
            return Err(resp.into_error(Some(Plane::EntraRole)));
        }
        let answer: BatchAnswer = if resp.body.is_empty() {
            BatchAnswer::default()
        } else {
            serde_json::from_slice(&resp.body).map_err(|e| not_json(resp.status, e))?
        };
        let mut results: Vec<Option<Result<Vec<u8>, Error>>> =
            (0..urls.len()).map(|_| None).collect();
        for r in answer.responses.into_iter().filter_map(|r| r.0) {
            // Responses may come back in any order [DOC]: match them by id.
            let Some(i) =
                r.id.get()
                    .and_then(|s| s.parse::<usize>().ok())
                    .filter(|i| *i < urls.len())
            else {
                continue;
            };
            let status = r
                .status
                .as_deref()
                .and_then(|n| n.get().parse::<u16>().ok())
                .unwrap_or(0);
            let body = r
                .body
                .map(|b| b.get().as_bytes().to_vec())
                .unwrap_or_default();
            results[i] = Some(if (200..300).contains(&status) {
                Ok(body)
            } else if matches!(status, 429 | 503 | 500 | 502 | 504) {
                self.get_body(&self.graph(&urls[i]), token, Plane::EntraRole)
                    .await
            } else {
                Err(crate::http::parse_error(status, &body, None, None, None))
            });
        }
        Ok(results
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|| Err(Error::Network("the $batch answer lacks an item".into())))
            })
            .collect())
    }
}

/// A `$batch` answer: each part's id, status and body, kept as raw text until read.
#[derive(Default, Deserialize)]
struct BatchAnswer {
    #[serde(default)]
    responses: Vec<Item<BatchPart>>,
}

#[derive(Deserialize)]
struct BatchPart {
    #[serde(default)]
    id: Text,
    #[serde(default)]
    status: Option<Box<RawValue>>,
    #[serde(default)]
    body: Option<Box<RawValue>>,
}

fn not_json(status: u16, e: serde_json::Error) -> Error {
    Error::Network(format!(
        "the service answered {status} with a body that is not JSON: {e}"
    ))
}

fn read_page<T: DeserializeOwned>(body: &[u8]) -> Result<Page<T>, Error> {
    Page::read(body).map_err(|e| not_json(200, e))
}

/// A body as JSON (an empty one is null, as `Response::json` reads it).
fn body_json(body: &[u8]) -> Result<Value, Error> {
    if body.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(body).map_err(|e| not_json(200, e))
}

#[cfg(test)]
mod tests {
    use super::same_origin;

    #[test]
    fn next_links_stay_on_the_endpoint_origin() {
        let graph = "https://graph.microsoft.com";
        assert!(same_origin(
            "https://graph.microsoft.com/v1.0/x?$skiptoken=1",
            graph
        ));
        assert!(same_origin("https://GRAPH.microsoft.com:443/v1.0/x", graph));
        for other in [
            "https://evil.example/v1.0/x",
            "http://graph.microsoft.com/v1.0/x",
            "https://graph.microsoft.com.evil.example/x",
            "https://graph.microsoft.com:8443/x",
            "not a url",
        ] {
            assert!(!same_origin(other, graph), "{other}");
        }
        assert!(same_origin(
            "http://127.0.0.1:8400/graph/v1.0/x",
            "http://127.0.0.1:8400/graph"
        ));
    }
}
