//! The one HTTP client: reqwest + rustls trusting the system's store, the proxy chosen per URL
//! (see `network`), no redirects (a token endpoint must never be
//! redirected), bounded timeouts, answers capped, and one retry policy: reads are retried on
//! 429/503 (honouring `Retry-After`), 408/500/502/504 and connection failures; token requests
//! (form posts) on 429/503; a JSON write is sent once and never retried here, since it may
//! have been committed: the PIM client's reconciler decides (it looks before sending again).

use std::time::Duration;

use serde_json::Value;

use crate::error::{Error, ServiceError};
use crate::model::Plane;
use crate::secret::Secret;

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub base_delay: Duration,
    /// A longer `Retry-After` is not waited for: the error goes to the caller.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(300),
            max_delay: Duration::from_secs(30),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Response {
    pub fn json(&self) -> Result<Value, Error> {
        if self.body.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&self.body).map_err(|e| {
            Error::Network(format!(
                "the service answered {} with a body that is not JSON: {e}",
                self.status
            ))
        })
    }

    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub fn request_id(&self) -> Option<String> {
        [
            "request-id",
            "x-ms-request-id",
            "client-request-id",
            "x-ms-correlation-request-id",
        ]
        .iter()
        .find_map(|h| {
            self.headers
                .get(*h)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        })
    }

    /// Turns a non-2xx answer into a typed error (Graph and ARM envelopes, Graph's
    /// `UnknownError` wrapping unwrapped, policy rules and claims challenges extracted).
    pub fn into_error(self, plane: Option<Plane>) -> Error {
        parse_error(
            self.status,
            &self.body,
            self.request_id(),
            self.headers
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok()),
            plane,
        )
    }
}

pub fn parse_error(
    status: u16,
    body: &[u8],
    header_request_id: Option<String>,
    www_authenticate: Option<&str>,
    plane: Option<Plane>,
) -> Error {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let mut code = v["error"]["code"].as_str().unwrap_or_default().to_string();
    let mut message = v["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    // Graph PIM sometimes wraps the real error as JSON inside `message` [OBS].
    if code == "UnknownError" || message.trim_start().starts_with('{') {
        if let Ok(inner) = serde_json::from_str::<Value>(&message) {
            if let Some(c) = inner["errorCode"]
                .as_str()
                .or(inner["code"].as_str())
                .or(inner["error"]["code"].as_str())
            {
                code = c.to_string();
                message = inner["message"]
                    .as_str()
                    .or(inner["error"]["message"].as_str())
                    .unwrap_or_default()
                    .to_string();
            }
        }
    }
    if code.is_empty() {
        code = match status {
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "NotFound",
            429 => "TooManyRequests",
            s if s >= 500 => "ServiceUnavailable",
            _ => "BadRequest",
        }
        .to_string();
        if message.is_empty() {
            message = String::from_utf8_lossy(body).chars().take(300).collect();
        }
    }
    let request_id = header_request_id.or_else(|| {
        v["error"]["innerError"]["request-id"]
            .as_str()
            .map(str::to_string)
    });
    let rules = if code == "RoleAssignmentRequestPolicyValidationFailed" {
        policy_rules(&message)
    } else {
        vec![]
    };
    let claims = claims_challenge(&code, &message, www_authenticate);
    Error::Service(Box::new(ServiceError {
        plane,
        status,
        code,
        message,
        rules,
        request_id,
        claims,
        explained: false,
    }))
}

/// `The following policy rules failed: ["JustificationRule","TicketingRule"]` → the names.
pub fn policy_rules(message: &str) -> Vec<String> {
    let Some(start) = message.find('[') else {
        return vec![];
    };
    let Some(end) = message[start..].find(']') else {
        return vec![];
    };
    message[start + 1..start + end]
        .split(',')
        .map(|r| r.trim().trim_matches('"').trim_matches('\'').to_string())
        .filter(|r| !r.is_empty())
        .collect()
}

/// The parameters of a `WWW-Authenticate` header: `Bearer realm="", error="insufficient_claims",
/// claims="…"` gives `[("realm", ""), ("error", "insufficient_claims"), ("claims", "…")]`.
/// Names are lower-cased; quoted values may hold commas and `\"`; a value without quotes ends
/// at the next comma. The scheme (`Bearer`) is skipped.
pub fn www_authenticate_params(header: &str) -> Vec<(String, String)> {
    let mut out = vec![];
    let mut rest = header.trim();
    // The scheme: a first token not followed by '='.
    if let Some(sp) = rest.find(' ') {
        if !rest[..sp].contains('=') {
            rest = &rest[sp..];
        }
    }
    loop {
        rest = rest.trim_start_matches([' ', ',', '\t']);
        let Some(eq) = rest.find('=') else { break };
        let name = rest[..eq].trim().to_ascii_lowercase();
        rest = rest[eq + 1..].trim_start();
        let value;
        if let Some(q) = rest.strip_prefix('"') {
            let mut v = String::new();
            let mut chars = q.char_indices();
            let mut end = q.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, n)) = chars.next() {
                            v.push(n);
                        }
                    }
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    c => v.push(c),
                }
            }
            value = v;
            rest = &q[end.min(q.len())..];
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            value = rest[..end].trim().to_string();
            rest = &rest[end..];
        }
        if !name.is_empty() && !name.contains(' ') {
            out.push((name, value));
        }
    }
    out
}

/// The claims JSON of a 401 `WWW-Authenticate: Bearer error="insufficient_claims",
/// claims="<base64>"` challenge (CAE, MFA on ARM writes, authentication contexts) [DOC].
pub fn insufficient_claims(www_authenticate: &str) -> Option<String> {
    let params = www_authenticate_params(www_authenticate);
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    if get("error") != Some("insufficient_claims") {
        return None;
    }
    let b64 = get("claims")?.trim();
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .or_else(|_| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(b64.trim_end_matches('='))
        })
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    serde_json::from_str::<Value>(&text).ok().map(|_| text)
}

/// The claims JSON of a step-up challenge: `&claims=<url-encoded>` in an ACRS message [OBS],
/// or a 401 `WWW-Authenticate: Bearer error="insufficient_claims", claims="<base64>"` [DOC].
pub fn claims_challenge(
    code: &str,
    message: &str,
    www_authenticate: Option<&str>,
) -> Option<String> {
    if let Some(c) = www_authenticate.and_then(insufficient_claims) {
        return Some(c);
    }
    if !code.contains("AcrsValidationFailed") {
        return None;
    }
    let raw = message.split("claims=").nth(1)?;
    let raw = raw.split(['&', ' ', '"']).next()?;
    let decoded = percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .ok()?
        .to_string();
    serde_json::from_str::<Value>(&decoded)
        .ok()
        .map(|_| decoded)
}

pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let v = headers.get("retry-after")?.to_str().ok()?;
    if let Ok(secs) = v.trim().parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(v.trim()).ok()?;
    let secs = (at.with_timezone(&chrono::Utc) - chrono::Utc::now())
        .num_milliseconds()
        .max(0) as u64;
    Some(Duration::from_millis(secs))
}

/// The largest answer read: a page of 1,000 assignments is about 1 MiB; anything near this is
/// not an answer Elevate asked for.
pub const MAX_BODY: usize = 32 * 1024 * 1024;

enum Capped {
    TooLarge,
    Failed(reqwest::Error),
}

/// Reads a body chunk by chunk, stopping at [`MAX_BODY`].
async fn read_capped(mut resp: reqwest::Response) -> Result<Vec<u8>, Capped> {
    if resp.content_length().is_some_and(|n| n > MAX_BODY as u64) {
        return Err(Capped::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(Capped::Failed)? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(Capped::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    pub retry: RetryPolicy,
    /// The service's clock minus ours, from the last `Date` header (seconds' precision).
    skew: std::sync::Arc<std::sync::Mutex<Option<chrono::Duration>>>,
    /// The TLS and proxy settings the client was built with (the doctor reads them).
    network: std::sync::Arc<crate::network::Network>,
    /// Claims challenges (401 `insufficient_claims`) not yet answered, by origin: the next
    /// token for that service asks for them (see `Session::token`). The one path for every call.
    challenges: std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>>,
}

/// One request, rebuilt for each attempt.
pub struct Request<'a> {
    pub method: reqwest::Method,
    pub url: &'a str,
    pub token: Option<&'a Secret>,
    pub json: Option<&'a Value>,
    pub form: Option<&'a [(String, String)]>,
    pub headers: &'a [(String, String)],
    /// Sending it twice does no harm (a read, a `$batch` of reads, a token request): retried
    /// on transient failures. A write is sent once (see the module comment).
    pub replayable: bool,
}

impl<'a> Request<'a> {
    pub fn get(url: &'a str, token: &'a Secret) -> Request<'a> {
        Request {
            method: reqwest::Method::GET,
            url,
            token: Some(token),
            json: None,
            form: None,
            headers: &[],
            replayable: true,
        }
    }

    /// A POST of reads (a Graph `$batch` of GETs): safe to send again.
    pub fn read_batch(url: &'a str, token: &'a Secret, json: &'a Value) -> Request<'a> {
        Request {
            replayable: true,
            ..Request::with_json(reqwest::Method::POST, url, token, json)
        }
    }

    /// A write: sent once.
    pub fn with_json(
        method: reqwest::Method,
        url: &'a str,
        token: &'a Secret,
        json: &'a Value,
    ) -> Request<'a> {
        Request {
            method,
            url,
            token: Some(token),
            json: Some(json),
            form: None,
            headers: &[],
            replayable: false,
        }
    }
}

impl Http {
    /// A client with this process's proxy variables and no settings.
    pub fn new() -> Result<Http, Error> {
        Http::with_network(crate::network::Network::from_process_env())
    }

    /// A client following `network` (the service passes the settings' and policy's proxy).
    pub fn with_network(network: crate::network::Network) -> Result<Http, Error> {
        let client = network
            .client_builder()?
            .build()
            .map_err(|e| Error::Network(format!("cannot create the HTTP client: {e}")))?;
        Ok(Http {
            client,
            retry: RetryPolicy::default(),
            skew: Default::default(),
            network: std::sync::Arc::new(network),
            challenges: Default::default(),
        })
    }

    pub fn network(&self) -> &crate::network::Network {
        &self.network
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> Http {
        self.retry = retry;
        self
    }

    /// Sends with the retry policy. Non-2xx answers come back as `Ok(Response)`: callers
    /// decide what is an error. `Err` means no (final) answer arrived.
    pub async fn send(&self, req: &Request<'_>) -> Result<Response, Error> {
        let read = req.method == reqwest::Method::GET || req.method == reqwest::Method::HEAD;
        // A write goes once: a retry below the reconciler could act twice.
        let write = !req.replayable;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut b = self.client.request(req.method.clone(), req.url);
            if let Some(t) = req.token {
                b = b.bearer_auth(t.expose());
            }
            for (k, v) in req.headers {
                b = b.header(k, v);
            }
            if let Some(j) = req.json {
                b = b.json(j);
            }
            if let Some(f) = req.form {
                b = b.form(f);
            }
            let outcome = b.send().await;
            let last = write || attempt >= self.retry.max_attempts;
            match outcome {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let headers = resp.headers().clone();
                    self.note_server_time(&headers);
                    if status == 401 {
                        self.note_challenge(req.url, &headers);
                    }
                    let body = match read_capped(resp).await {
                        Ok(b) => b,
                        Err(Capped::TooLarge) => {
                            return Err(Error::Network(format!(
                            "the answer from {} is larger than {} MiB; Elevate does not read it",
                            host(req.url),
                            MAX_BODY / (1024 * 1024)
                        )))
                        }
                        Err(Capped::Failed(e)) if read && !last => {
                            tokio::time::sleep(self.backoff(attempt)).await;
                            let _ = e;
                            continue;
                        }
                        Err(Capped::Failed(e)) => {
                            return Err(Error::Network(format!(
                                "the answer from {} was cut off: {e}",
                                host(req.url)
                            )))
                        }
                    };
                    let retryable = matches!(status, 429 | 503)
                        || (read && matches!(status, 408 | 500 | 502 | 504));
                    if retryable && !last {
                        let wait = retry_after(&headers).unwrap_or_else(|| self.backoff(attempt));
                        if wait <= self.retry.max_delay {
                            tokio::time::sleep(wait).await;
                            continue;
                        }
                    }
                    return Ok(Response {
                        status,
                        headers,
                        body,
                    });
                }
                // A certificate refused now is refused again: not retried.
                Err(e) if read && !last && crate::network::tls::refusal_in(&e).is_none() => {
                    tokio::time::sleep(self.backoff(attempt)).await;
                }
                Err(e) => {
                    if let Some(words) = crate::network::tls::refusal_in(&e) {
                        return Err(Error::Network(words));
                    }
                    let what = if e.is_timeout() {
                        "timed out"
                    } else if e.is_connect() {
                        "could not connect"
                    } else {
                        "failed"
                    };
                    return Err(Error::Network(format!(
                        "the request to {} {what}: {}",
                        host(req.url),
                        root_cause(&e)
                    )));
                }
            }
        }
    }

    fn note_server_time(&self, headers: &reqwest::header::HeaderMap) {
        let at = headers
            .get(reqwest::header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| chrono::DateTime::parse_from_rfc2822(v.trim()).ok());
        if let Some(at) = at {
            let skew = at.with_timezone(&chrono::Utc) - chrono::Utc::now();
            *self.skew.lock().unwrap_or_else(|p| p.into_inner()) = Some(skew);
        }
    }

    fn note_challenge(&self, url: &str, headers: &reqwest::header::HeaderMap) {
        let claims = headers
            .get_all(reqwest::header::WWW_AUTHENTICATE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(insufficient_claims);
        if let Some(claims) = claims {
            let origin = origin(url);
            tracing::info!(%origin, "the service sent a claims challenge; the next token asks for it");
            let mut all = self.challenges.lock().unwrap_or_else(|p| p.into_inner());
            all.retain(|(o, _)| *o != origin);
            all.push((origin, claims));
        }
    }

    /// Notes a claims challenge for `base`'s service (one found in an answer's body part).
    pub fn push_challenge(&self, base: &str, claims: &str) {
        let origin = origin(base);
        let mut all = self.challenges.lock().unwrap_or_else(|p| p.into_inner());
        all.retain(|(o, _)| *o != origin);
        all.push((origin, claims.to_string()));
    }

    /// The claims challenge `base`'s service sent and nobody has answered yet (taken).
    pub fn take_challenge(&self, base: &str) -> Option<String> {
        let origin = origin(base);
        let mut all = self.challenges.lock().unwrap_or_else(|p| p.into_inner());
        let i = all.iter().position(|(o, _)| *o == origin)?;
        Some(all.remove(i).1)
    }

    /// The service's time now, when a `Date` header has told it; None before.
    pub fn server_now(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        let skew = *self.skew.lock().unwrap_or_else(|p| p.into_inner());
        skew.map(|s| chrono::Utc::now() + s)
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self.retry.base_delay * 2u32.saturating_pow(attempt.saturating_sub(1));
        let jitter = Duration::from_millis(rand::random_range(0..100));
        exp.min(self.retry.max_delay) + jitter
    }

    /// The adapter the `oauth2` crate calls: token requests go through the same policy.
    pub async fn oauth(&self, request: oauth2::HttpRequest) -> Result<oauth2::HttpResponse, Error> {
        let url = request.uri().to_string();
        let form: Vec<(String, String)> = form_urlencoded::parse(request.body())
            .into_owned()
            .collect();
        let headers: Vec<(String, String)> = request
            .headers()
            .iter()
            .filter(|(k, _)| *k != http::header::CONTENT_TYPE && *k != http::header::CONTENT_LENGTH)
            .filter_map(|(k, v)| v.to_str().ok().map(|v| (k.to_string(), v.to_string())))
            .collect();
        let req = Request {
            method: request.method().clone(),
            url: &url,
            token: None,
            json: None,
            form: Some(&form),
            headers: &headers,
            replayable: true,
        };
        let resp = self.send(&req).await?;
        let mut builder = http::Response::builder().status(resp.status);
        for (k, v) in resp.headers.iter() {
            builder = builder.header(k, v);
        }
        builder
            .body(resp.body)
            .map_err(|e| Error::Network(format!("bad response: {e}")))
    }
}

fn host(url: &str) -> String {
    url.split("://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap_or(url)
        .to_string()
}

/// Scheme, host and port of a URL (lower-case), for keying per service.
fn origin(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => format!(
            "{}://{}:{}",
            u.scheme(),
            u.host_str().unwrap_or("").to_ascii_lowercase(),
            u.port_or_known_default().unwrap_or(0)
        ),
        Err(_) => url.to_ascii_lowercase(),
    }
}

fn root_cause(e: &dyn std::error::Error) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_error_wrapping_is_unwrapped() {
        let body = br#"{"error":{"code":"UnknownError","message":"{\"errorCode\":\"PermissionScopeNotGranted\",\"message\":\"Authorization failed due to missing permission scope RoleAssignmentSchedule.ReadWrite.Directory.\",\"instanceAnnotations\":[]}","innerError":{"request-id":"r-1"}}}"#;
        let e = parse_error(403, body, None, None, Some(Plane::EntraRole));
        let s = e.service().expect("service");
        assert_eq!(
            (s.code.as_str(), s.request_id.as_deref()),
            ("PermissionScopeNotGranted", Some("r-1"))
        );
        assert!(s.message.starts_with("Authorization failed"));
    }

    #[test]
    fn rules_and_claims_are_extracted() {
        let e = parse_error(400, br#"{"error":{"code":"RoleAssignmentRequestPolicyValidationFailed","message":"The following policy rules failed: [\"ExpirationRule\",\"JustificationRule\"]"}}"#, Some("x".into()), None, None);
        assert_eq!(
            e.service().expect("s").rules,
            vec!["ExpirationRule", "JustificationRule"]
        );
        let msg = "&claims=%7B%22access_token%22%3A%7B%22acrs%22%3A%7B%22essential%22%3Atrue%2C%20%22value%22%3A%22c1%22%7D%7D%7D";
        let body = serde_json::json!({"error": {"code": "RoleAssignmentRequestAcrsValidationFailed", "message": msg}}).to_string();
        let e = parse_error(400, body.as_bytes(), None, None, None);
        assert_eq!(
            e.service().expect("s").claims.as_deref(),
            Some(r#"{"access_token":{"acrs":{"essential":true, "value":"c1"}}}"#)
        );
        let h = r#"Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnsiYWNycyI6eyJlc3NlbnRpYWwiOnRydWUsInZhbHVlIjoiYzI1In19fQ==""#;
        let e = parse_error(401, b"", None, Some(h), None);
        assert_eq!(
            e.service().expect("s").claims.as_deref(),
            Some(r#"{"access_token":{"acrs":{"essential":true,"value":"c25"}}}"#)
        );
    }

    proptest::proptest! {
        #[test]
        fn any_www_authenticate_parses_without_panicking(h in "\\PC{0,300}") {
            let _ = www_authenticate_params(&h);
            let _ = insufficient_claims(&h);
        }

        #[test]
        fn a_claims_challenge_round_trips(acr in "[a-z0-9]{1,8}", realm in "[ -~&&[^\"\\\\]]{0,20}") {
            use base64::Engine;
            let claims = serde_json::json!({"access_token": {"acrs": {"essential": true, "value": acr}}}).to_string();
            let b64 = base64::engine::general_purpose::STANDARD.encode(&claims);
            let h = format!("Bearer realm=\"{realm}\", error=\"insufficient_claims\", claims=\"{b64}\"");
            proptest::prop_assert_eq!(insufficient_claims(&h), Some(claims));
        }
    }

    #[test]
    fn www_authenticate_params_are_read_in_any_order_and_case() {
        let h = r#"Bearer authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", Error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZSwidmFsdWUiOiIxNzAwMDAwMDAwIn19fQ==", error_description="a, \"quoted\" text""#;
        let p = www_authenticate_params(h);
        assert_eq!(
            p[1],
            ("error".to_string(), "insufficient_claims".to_string())
        );
        assert_eq!(p[3].1, r#"a, "quoted" text"#);
        assert_eq!(
            insufficient_claims(h).as_deref(),
            Some(r#"{"access_token":{"nbf":{"essential":true,"value":"1700000000"}}}"#)
        );
        assert_eq!(insufficient_claims(r#"Bearer error="invalid_token""#), None);
    }

    #[test]
    fn an_empty_body_still_gives_a_code() {
        let e = parse_error(503, b"", None, None, Some(Plane::AzureResource));
        assert_eq!(e.code(), "ServiceUnavailable");
    }

    /// A loopback server that answers every connection with `head` and then `len` bytes.
    async fn serve(head: String, len: usize) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            // One connection, then the server ends.
            if let Ok((mut s, _)) = listener.accept().await {
                let mut buf = [0u8; 1024];
                let _ = s.read(&mut buf).await;
                let _ = s.write_all(head.as_bytes()).await;
                let chunk = vec![b' '; 64 * 1024];
                let mut sent = 0;
                while sent < len {
                    if s.write_all(&chunk).await.is_err() {
                        break;
                    }
                    sent += chunk.len();
                }
            }
        });
        format!("http://{addr}/v1.0/x")
    }

    #[tokio::test]
    async fn an_answer_larger_than_the_cap_is_refused_declared_or_not() {
        let http = Http::new().expect("http");
        let token = Secret::new("t");
        let big = MAX_BODY + 1;
        for head in [
            format!("HTTP/1.1 200 OK\r\nContent-Length: {big}\r\n\r\n"),
            "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".to_string(),
        ] {
            let url = serve(head, big).await;
            let err = http
                .send(&Request::get(&url, &token))
                .await
                .expect_err("capped");
            assert!(err.to_string().contains("larger than 32 MiB"), "{err}");
        }
    }
}
