//! Ledger records and the pure fold from the append-only list to the state of each request.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::policy::{self, Policy, Request, Tally, Vote};
use crate::domain::UserInfo;

/// What a record says happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordKind {
    Request,
    Approval,
    Rejection,
    Cancellation,
    /// The console that got there first claims the run; later claims do not count.
    Execution,
    Expiry,
    /// An approved request that no longer passes the policy when it would run (a freeze began,
    /// a rule changed): closed with the reason, nothing runs.
    Refusal,
    /// How the run of an executed request ended (`comment`: `succeeded` or `failed: …`).
    Outcome,
    /// One audit-trail record kept in the shared store (`trail`); no request state.
    Trail,
}

impl RecordKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Request => "request",
            Self::Approval => "approval",
            Self::Rejection => "rejection",
            Self::Cancellation => "cancellation",
            Self::Execution => "execution",
            Self::Expiry => "expiry",
            Self::Refusal => "refusal",
            Self::Outcome => "outcome",
            Self::Trail => "trail",
        }
    }
}

/// What is asked for: the policy's view, a summary, the exact diff, and an opaque payload
/// the executing console needs to run it (the promotion's target version, etc.).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RequestBody {
    pub policy: Request,
    pub service: String,
    /// Source environment of a promotion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_env: Option<String>,
    /// "promote payment-service staging → prod (v1.3.0)".
    pub summary: String,
    /// The exact diff of the files that will change, as text lines.
    #[serde(default)]
    pub diff: Vec<String>,
    #[serde(default)]
    pub payload: serde_json::Value,
}

/// One ledger record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub kind: RecordKind,
    /// The request this record is about.
    pub id: String,
    pub actor: String,
    /// The actor's groups as Argo CD reported them when the record was made.
    #[serde(default)]
    pub groups: Vec<String>,
    pub at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Only on `request` records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestBody>,
    /// Only on `trail` records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trail: Option<super::trail::TrailEvent>,
    /// Set when read back: whether the commit's signature verified (not stored).
    #[serde(skip)]
    pub verified: bool,
    /// Set when read back: the commit holding the record (not stored).
    #[serde(skip)]
    pub commit: String,
}

impl Record {
    pub fn user(&self) -> UserInfo {
        UserInfo { username: self.actor.clone(), groups: self.groups.clone() }
    }
}

/// One approval or rejection, as the pane shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    pub actor: String,
    pub at: DateTime<Utc>,
    pub comment: Option<String>,
    pub verified: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    Pending,
    Rejected {
        by: String,
    },
    Cancelled {
        by: String,
    },
    /// Claimed and running (or its outcome not recorded).
    Executed {
        by: String,
        at: DateTime<Utc>,
    },
    Expired,
    /// Approved, but refused when it would have run.
    Refused {
        reason: String,
    },
    /// Its run ended: `ok`, and what the claimer recorded.
    Finished {
        by: String,
        ok: bool,
        detail: String,
    },
}

/// A request folded from its records.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestState {
    pub id: String,
    pub body: RequestBody,
    pub requester: String,
    /// The requester's groups when they filed it (the policy is checked again for them when
    /// the request would run).
    pub requester_groups: Vec<String>,
    pub requested_at: DateTime<Utc>,
    pub approvals: Vec<Verdict>,
    pub rejections: Vec<Verdict>,
    pub status: Status,
    /// The approvals' users, for the policy's tally.
    pub votes: Vec<Vote>,
    /// What happened to it, one line per record, oldest first ("approved by alice: lgtm").
    pub history: Vec<String>,
}

impl RequestState {
    pub fn is_pending(&self) -> bool {
        self.status == Status::Pending
    }

    /// Settled for good: nothing more will happen to it.
    pub fn is_closed(&self) -> bool {
        !matches!(self.status, Status::Pending | Status::Executed { .. })
    }

    /// How far the approvals go under `policy`.
    pub fn tally(&self, policy: &Policy) -> Tally {
        policy::tally(policy, &self.body.policy, &self.requester, &self.votes)
    }
}

/// Fold records (in ledger order) into one state per request, in request order. Records for
/// unknown requests, and anything after a request is closed, change nothing: the first
/// execution wins, and an approval after a rejection does not reopen it. The one exception:
/// the claimer's `outcome` record finishes an executed request.
pub fn fold(records: &[Record]) -> Vec<RequestState> {
    let mut out: Vec<RequestState> = Vec::new();
    for r in records {
        if r.kind == RecordKind::Request {
            if let (Some(body), false) = (&r.request, out.iter().any(|s| s.id == r.id)) {
                out.push(RequestState {
                    id: r.id.clone(),
                    body: body.clone(),
                    requester: r.actor.clone(),
                    requester_groups: r.groups.clone(),
                    requested_at: r.at,
                    approvals: Vec::new(),
                    rejections: Vec::new(),
                    status: Status::Pending,
                    votes: Vec::new(),
                    history: vec![format!("filed by {}", r.actor)],
                });
            }
            continue;
        }
        let Some(s) = out.iter_mut().find(|s| s.id == r.id) else { continue };
        let comment = r.comment.as_deref().map(|c| format!(": {c}")).unwrap_or_default();
        if let (RecordKind::Outcome, Status::Executed { by, .. }) = (r.kind, &s.status) {
            if *by == r.actor {
                let detail = r.comment.clone().unwrap_or_default();
                s.history.push(detail.clone());
                s.status = Status::Finished { by: by.clone(), ok: detail == "succeeded", detail };
            }
            continue;
        }
        if !s.is_pending() {
            continue;
        }
        s.history.push(match r.kind {
            RecordKind::Approval => format!("approved by {}{comment}", r.actor),
            RecordKind::Rejection => format!("rejected by {}{comment}", r.actor),
            RecordKind::Cancellation => format!("withdrawn by {}", r.actor),
            RecordKind::Execution => format!("running: {} claimed the run", r.actor),
            RecordKind::Expiry => "expired: nobody decided in time".to_string(),
            RecordKind::Refusal => format!("refused when it would have run{comment}"),
            _ => continue,
        });
        let verdict = Verdict { actor: r.actor.clone(), at: r.at, comment: r.comment.clone(), verified: r.verified };
        match r.kind {
            RecordKind::Approval => {
                s.votes.push(Vote { user: r.user(), verified: r.verified });
                s.approvals.push(verdict);
            }
            RecordKind::Rejection => {
                s.rejections.push(verdict);
                s.status = Status::Rejected { by: r.actor.clone() };
            }
            RecordKind::Cancellation => s.status = Status::Cancelled { by: r.actor.clone() },
            RecordKind::Execution => s.status = Status::Executed { by: r.actor.clone(), at: r.at },
            RecordKind::Expiry => s.status = Status::Expired,
            RecordKind::Refusal => s.status = Status::Refused { reason: r.comment.clone().unwrap_or_default() },
            RecordKind::Request | RecordKind::Outcome | RecordKind::Trail => {}
        }
    }
    out
}

/// The ledger's commits as git prints them (`%H%x1f%G?%x1f%B%x1e` per commit, oldest first)
/// read as records, each with its commit and signature status; commits that are not records
/// come back apart as `(commit, why)`. Pure: what the fuzzer drives.
pub fn parse_log(stdout: &str) -> (Vec<Record>, Vec<(String, String)>) {
    let mut records = Vec::new();
    let mut skipped = Vec::new();
    for chunk in stdout.split('\u{1e}') {
        let mut parts = chunk.trim_start_matches('\n').splitn(3, '\u{1f}');
        let (Some(commit), Some(sig), Some(msg)) = (parts.next(), parts.next(), parts.next()) else { continue };
        let json = msg.split_once("\n\n").map_or(msg, |(_, body)| body);
        match serde_json::from_str::<Record>(json.trim()) {
            Ok(mut r) => {
                // %G? is `G` only for a good signature by a key the allowed signers trust.
                r.verified = sig == "G";
                r.commit = commit.to_string();
                records.push(r);
            }
            Err(e) => skipped.push((commit.to_string(), e.to_string())),
        }
    }
    (records, skipped)
}
