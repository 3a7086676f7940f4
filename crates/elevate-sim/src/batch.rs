//! Batching: Graph's JSON `$batch` (at most 20 requests, each answered on its own, in any
//! order) and ARM's `/batch` (the portal's wrapper, which it uses to record approval decisions
//! [OBS]). Each inner request runs through the same routing, counters, faults and handlers as
//! an outer one.

use serde_json::{json, Value};

use crate::http::{Req, Resp};
use crate::{fault_response, Fault, FaultKind, Sim};

/// ARM's batch endpoint takes at most this many requests.
const ARM_BATCH_LIMIT: usize = 500;

impl Sim {
    /// Counts an inner request under `key` and takes the first fault matching it that answers
    /// without doing the work (throttle, unavailable, status).
    fn inner_fault(&self, key: &str) -> Option<Fault> {
        let mut inner = self.lock();
        *inner.counters.entry(key.to_string()).or_default() += 1;
        let f = inner
            .faults
            .iter_mut()
            .find(|f| {
                f.matches(key)
                    && f.times > 0
                    && matches!(
                        f.kind,
                        FaultKind::Throttle | FaultKind::Unavailable | FaultKind::Status
                    )
            })
            .map(|f| {
                f.times -= 1;
                f.clone()
            });
        inner.faults.retain(|f| f.times > 0);
        f
    }

    /// Graph JSON batching: at most 20 requests, each with its own status [DOC].
    pub(crate) fn graph_batch(&self, req: &Req) -> Resp {
        let body = match req.json() {
            Ok(b) => b,
            Err(resp) => return resp,
        };
        let Some(requests) = body["requests"].as_array() else {
            return Resp::graph_error(
                400,
                "BadRequest",
                "The batch body must have a 'requests' array.",
            );
        };
        if requests.len() > 20 {
            return Resp::graph_error(
                400,
                "BadRequest",
                "The number of requests in the batch exceeds the maximum of 20.",
            );
        }
        let mut responses = vec![];
        for item in requests {
            let id = item["id"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| item["id"].to_string());
            let method = item["method"]
                .as_str()
                .unwrap_or("GET")
                .to_ascii_uppercase();
            let url = item["url"].as_str().unwrap_or_default();
            let url = url
                .strip_prefix("https://graph.microsoft.com")
                .unwrap_or(url);
            let url = url.strip_prefix("/v1.0").unwrap_or(url);
            let (path, query) = url.split_once('?').unwrap_or((url, ""));
            let path = format!("/graph/v1.0/{}", path.trim_start_matches('/'));
            let mut headers: Vec<(String, String)> = req
                .headers
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case("authorization"))
                .cloned()
                .collect();
            if let Some(h) = item["headers"].as_object() {
                headers.extend(
                    h.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())),
                );
            }
            let inner_req = Req {
                method,
                path: percent_encoding::percent_decode_str(&path)
                    .decode_utf8_lossy()
                    .into_owned(),
                query: form_urlencoded::parse(query.as_bytes())
                    .into_owned()
                    .collect(),
                headers,
                body: if item["body"].is_null() {
                    vec![]
                } else {
                    serde_json::to_vec(&item["body"]).unwrap_or_default()
                },
            };
            let (key, early) = self.classify(&inner_req);
            let fault = self.inner_fault(key);
            let resp = if key == "graph.batch" {
                Resp::graph_error(400, "BadRequest", "A batch cannot contain a batch.")
            } else if let Some(r) = fault.as_ref().and_then(|f| fault_response(f, key)) {
                r
            } else if let Some(r) = early {
                r
            } else {
                self.dispatch(&inner_req)
            };
            self.record(&inner_req, key, resp.status);
            let headers: serde_json::Map<String, serde_json::Value> = resp
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect();
            let body = if resp.body.is_empty() {
                serde_json::Value::Null
            } else {
                resp.body_json()
            };
            responses
                .push(json!({"id": id, "status": resp.status, "headers": headers, "body": body}));
        }
        // Items may come back in any order [DOC]: reversed here, so clients cannot rely on it.
        responses.reverse();
        Resp::json(200, &json!({"responses": responses}))
    }

    /// ARM `POST /batch?api-version=2020-06-01`: `{"requests":[{"httpMethod","name","url",
    /// "content"}]}` → 200 `{"responses":[{"name","httpStatusCode","headers","content",
    /// "contentLength"}]}`, in order. Inner requests count (and match faults) under
    /// `arm.batch.<route>`, e.g. `arm.batch.roleAssignmentApprovals.decide`, so a fault on the
    /// direct `arm.roleAssignmentApprovals.decide` leaves the batch path working. A recorded
    /// decision answers 204 without content inside the batch, as the portal sees it [OBS].
    pub(crate) fn arm_batch(&self, req: &Req) -> Resp {
        let token = {
            let inner = self.lock();
            let now = inner.tenant.now();
            req.bearer()
                .map(|t| inner.auth.verify(t, now))
                .unwrap_or(Err("missing"))
        };
        if let Err(resp) = crate::arm::authorize(token) {
            return resp;
        }
        let invalid = |m: &str| Resp::arm_error(400, "InvalidBatchRequest", m);
        let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
            return invalid("The batch request content was invalid and could not be deserialized.");
        };
        let Some(requests) = body["requests"].as_array() else {
            return invalid("The batch body must have a 'requests' array.");
        };
        if requests.len() > ARM_BATCH_LIMIT {
            return invalid(&format!(
                "The batch has more than {ARM_BATCH_LIMIT} requests."
            ));
        }
        let mut responses = vec![];
        for item in requests {
            let name = item["name"].as_str().unwrap_or_default().to_string();
            let method = item["httpMethod"]
                .as_str()
                .unwrap_or("GET")
                .to_ascii_uppercase();
            let url = item["url"].as_str().unwrap_or_default();
            let url = url
                .strip_prefix("https://management.azure.com")
                .unwrap_or(url);
            let (path, query) = url.split_once('?').unwrap_or((url, ""));
            let path = format!("/arm/{}", path.trim_start_matches('/'));
            let inner_req = Req {
                method,
                path: percent_encoding::percent_decode_str(&path)
                    .decode_utf8_lossy()
                    .into_owned(),
                query: form_urlencoded::parse(query.as_bytes())
                    .into_owned()
                    .collect(),
                headers: req
                    .headers
                    .iter()
                    .filter(|(k, _)| k.eq_ignore_ascii_case("authorization"))
                    .cloned()
                    .collect(),
                body: if item["content"].is_null() {
                    vec![]
                } else {
                    serde_json::to_vec(&item["content"]).unwrap_or_default()
                },
            };
            let (key, early) = self.classify(&inner_req);
            let inner_key = format!("arm.batch.{}", key.trim_start_matches("arm."));
            let fault = self.inner_fault(&inner_key);
            let resp = if key == "arm.batch" {
                Resp::arm_error(
                    400,
                    "InvalidBatchRequest",
                    "A batch cannot contain a batch.",
                )
            } else if let Some(r) = fault.as_ref().and_then(|f| fault_response(f, key)) {
                r
            } else if let Some(r) = early {
                r
            } else {
                self.dispatch(&inner_req)
            };
            self.record(&inner_req, &inner_key, resp.status);
            let decided = key == "arm.roleAssignmentApprovals.decide" && resp.status == 200;
            let mut out = json!({"name": name, "httpStatusCode": if decided { 204 } else { resp.status },
                "headers": resp.headers.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<serde_json::Map<String, Value>>(),
                "contentLength": if decided { 0 } else { resp.body.len() }});
            if !decided && !resp.body.is_empty() {
                out["content"] = resp.body_json();
            }
            responses.push(out);
        }
        Resp::json(200, &json!({"responses": responses}))
    }
}
