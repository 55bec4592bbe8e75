//! Shared helpers for the simulator's integration tests: a Manual-clock sim, an HTTP client,
//! and a line reader over a streaming response.
#![allow(dead_code)]

use flightdeck_sim::{Sim, SimClock, SimOptions};
use serde_json::Value;

pub async fn manual_sim(services: usize) -> Sim {
    let opts = SimOptions { services, seed: 7, clock: SimClock::Manual, chaos: false, ..SimOptions::default() };
    Sim::start(opts).await.expect("sim starts")
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().build().expect("client")
}

/// GET `{base}{path}` with the admin token; returns (status, json-or-null).
pub async fn get(base: &str, token: &str, path: &str) -> (u16, Value) {
    let r = client().get(format!("{base}{path}")).bearer_auth(token).send().await.expect("send");
    let status = r.status().as_u16();
    let text = r.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

pub async fn post(base: &str, token: &str, path: &str, body: Value) -> (u16, Value) {
    let r = client()
        .post(format!("{base}{path}"))
        .bearer_auth(token)
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("send");
    let status = r.status().as_u16();
    let text = r.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// Reads a chunked body and splits it at a delimiter.
pub struct StreamReader {
    pub resp: reqwest::Response,
    pub buf: String,
}

impl StreamReader {
    pub fn new(resp: reqwest::Response) -> Self {
        StreamReader { resp, buf: String::new() }
    }
    /// Next frame ending in `delim` (without it); None when the stream ended.
    pub async fn next_frame(&mut self, delim: &str) -> Option<String> {
        loop {
            if let Some(pos) = self.buf.find(delim) {
                let frame = self.buf[..pos].to_string();
                self.buf.drain(..pos + delim.len());
                return Some(frame);
            }
            match self.resp.chunk().await.expect("chunk") {
                Some(c) => self.buf.push_str(std::str::from_utf8(&c).expect("utf8")),
                None => return None,
            }
        }
    }
    /// Next NDJSON message as JSON.
    pub async fn next_json(&mut self) -> Option<Value> {
        let line = self.next_frame("\n").await?;
        Some(serde_json::from_str(&line).expect("ndjson line is JSON"))
    }
}
