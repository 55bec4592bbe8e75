//! The ledger's form of a preview change (`"gitops": {"intent": "preview", …}` in a request's
//! payload), so a preview request that needs approval runs exactly as it was filed: the same
//! name, owner, expiry and tag. Flightdeck's own format, like the rest of the payload.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::domain::preview::{PreviewIntent, PreviewOp};

pub fn to_json(i: &PreviewIntent) -> Value {
    let op = match &i.op {
        PreviewOp::Request { owner, created, expires, tag } => json!({
            "op": "request", "owner": owner, "created": created.to_rfc3339(), "expires": expires.to_rfc3339(),
            "tag": tag,
        }),
        PreviewOp::Extend { expires } => json!({ "op": "extend", "expires": expires.to_rfc3339() }),
        PreviewOp::TearDown { expired } => json!({ "op": "teardown", "expired": expired }),
    };
    json!({ "intent": "preview", "name": i.name, "service": i.service, "from": i.from, "preview": op })
}

/// `None` when a field is missing or malformed (the caller names the request).
pub fn from_json(g: &Value) -> Option<PreviewIntent> {
    let text = |k: &str| g.get(k).and_then(Value::as_str).map(str::to_string);
    let (name, service, from) = (text("name")?, text("service")?, text("from")?);
    let p = g.get("preview")?;
    let time = |k: &str| -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(p.get(k)?.as_str()?).ok().map(|d| d.with_timezone(&Utc))
    };
    let op = match p.get("op")?.as_str()? {
        "request" => PreviewOp::Request {
            owner: p.get("owner")?.as_str()?.to_string(),
            created: time("created")?,
            expires: time("expires")?,
            tag: p.get("tag").and_then(Value::as_str).map(str::to_string),
        },
        "extend" => PreviewOp::Extend { expires: time("expires")? },
        "teardown" => PreviewOp::TearDown { expired: p.get("expired")?.as_bool()? },
        _ => return None,
    };
    Some(PreviewIntent { name, service, from, op })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn every_preview_change_round_trips() {
        let expires = Utc.with_ymd_and_hms(2026, 12, 4, 1, 2, 3).single().unwrap_or_default();
        let ops = [
            PreviewOp::Request { owner: "dave".into(), created: expires, expires, tag: Some("v1.2.3".into()) },
            PreviewOp::Request { owner: "dave".into(), created: expires, expires, tag: None },
            PreviewOp::Extend { expires },
            PreviewOp::TearDown { expired: true },
        ];
        for op in ops {
            let i = PreviewIntent { name: "preview-dave-0001".into(), service: "cart".into(), from: "dev".into(), op };
            assert_eq!(from_json(&to_json(&i)), Some(i));
        }
        assert_eq!(from_json(&json!({"intent": "preview", "name": "x", "preview": {"op": "explode"}})), None);
    }
}
