//! The ledger's records as decisions: filing a request, approving, rejecting, withdrawing,
//! expiring, claiming the run, refusing it when it no longer passes the policy, recording its
//! outcome, and keeping trail records. Each is one compare-and-swap append whose checks run
//! against the freshest records (see `ledger.rs`), so racing operators get one winner.

use chrono::{DateTime, Utc};

use super::ledger::{describe_status, Ledger, LedgerError};
use crate::audit::sha256_hex;
use crate::domain::policy::{self, Policy};
use crate::domain::UserInfo;
use crate::engine::records::{fold, Record, RecordKind, RequestBody, RequestState, Status};

impl Ledger {
    /// Append one audit-trail record (kind `trail`); returns the commit it landed as, the
    /// anchor `contains` checks later.
    pub fn append_trail(&self, who: &UserInfo, event: &crate::engine::TrailEvent) -> Result<String, LedgerError> {
        let record = Record {
            kind: RecordKind::Trail,
            id: "trail".into(),
            actor: who.username.clone(),
            groups: who.groups.clone(),
            at: event.at,
            comment: None,
            request: None,
            trail: Some(event.clone()),
            verified: false,
            commit: String::new(),
        };
        Ok(self.append_record(who, |_| Ok(record.clone()))?.1)
    }

    /// The trail records on this ref, oldest first.
    pub fn trail(&self) -> Result<Vec<crate::engine::TrailEvent>, LedgerError> {
        Ok(self.records()?.into_iter().filter_map(|r| r.trail).collect())
    }

    /// File a new approval request; returns its state (with its new id).
    pub fn request(&self, who: &UserInfo, body: RequestBody, now: DateTime<Utc>) -> Result<RequestState, LedgerError> {
        let seed = format!("{}|{}|{}|{}", who.username, now.to_rfc3339(), body.summary, std::process::id());
        let id = format!("req-{}", &sha256_hex(seed.as_bytes())[..10]);
        let record = Record {
            kind: RecordKind::Request,
            id,
            actor: who.username.clone(),
            groups: who.groups.clone(),
            at: now,
            comment: None,
            request: Some(body),
            trail: None,
            verified: false,
            commit: String::new(),
        };
        Ok(self.append(who, |_| Ok(record.clone()))?.1)
    }

    fn decision(
        &self,
        kind: RecordKind,
        id: &str,
        who: &UserInfo,
        comment: Option<&str>,
        now: DateTime<Utc>,
        check: impl Fn(&RequestState) -> Result<(), LedgerError>,
    ) -> Result<RequestState, LedgerError> {
        let make = |records: &[Record]| {
            let state =
                fold(records).into_iter().find(|s| s.id == id).ok_or_else(|| LedgerError::UnknownRequest(id.into()))?;
            if !state.is_pending() {
                return Err(LedgerError::Closed { id: id.to_string(), status: state.status });
            }
            check(&state)?;
            Ok(Record {
                kind,
                id: id.to_string(),
                actor: who.username.clone(),
                groups: who.groups.clone(),
                at: now,
                comment: comment.map(str::to_string).filter(|c| !c.trim().is_empty()),
                request: None,
                trail: None,
                verified: false,
                commit: String::new(),
            })
        };
        Ok(self.append(who, make)?.1)
    }

    /// Approve a request, if the policy lets `who` approve it.
    pub fn approve(
        &self,
        policy: &Policy,
        id: &str,
        who: &UserInfo,
        comment: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<RequestState, LedgerError> {
        self.decision(RecordKind::Approval, id, who, comment, now, |s| {
            policy::may_approve(policy, &s.body.policy, &s.requester, who).map_err(LedgerError::Refused)?;
            if s.approvals.iter().any(|a| a.actor == who.username) {
                return Err(LedgerError::Refused(format!("you already approved {id}")));
            }
            Ok(())
        })
    }

    /// Reject a request with a comment (required), if `who` may approve it.
    pub fn reject(
        &self,
        policy: &Policy,
        id: &str,
        who: &UserInfo,
        comment: &str,
        now: DateTime<Utc>,
    ) -> Result<RequestState, LedgerError> {
        if comment.trim().is_empty() {
            return Err(LedgerError::Refused("a rejection needs a comment saying why".into()));
        }
        self.decision(RecordKind::Rejection, id, who, Some(comment), now, |s| {
            policy::may_approve(policy, &s.body.policy, &s.requester, who).map_err(LedgerError::Refused)
        })
    }

    /// Withdraw a request (its requester only).
    pub fn cancel(&self, id: &str, who: &UserInfo, now: DateTime<Utc>) -> Result<RequestState, LedgerError> {
        self.decision(RecordKind::Cancellation, id, who, None, now, |s| {
            if s.requester == who.username {
                Ok(())
            } else {
                Err(LedgerError::Refused(format!("only {} (who asked) may cancel {id}", s.requester)))
            }
        })
    }

    /// Mark a request expired (anyone may, once it is older than `max_age`).
    pub fn expire(
        &self,
        id: &str,
        who: &UserInfo,
        max_age: chrono::Duration,
        now: DateTime<Utc>,
    ) -> Result<RequestState, LedgerError> {
        self.decision(RecordKind::Expiry, id, who, None, now, |s| {
            if now - s.requested_at >= max_age {
                Ok(())
            } else {
                Err(LedgerError::Refused(format!("request {id} has not expired yet")))
            }
        })
    }

    /// Claim the run of an approved request. `Ok(true)`: this console runs it, once.
    /// `Ok(false)`: someone else already claimed it. Refused while approvals are missing.
    pub fn claim_execution(
        &self,
        policy: &Policy,
        id: &str,
        who: &UserInfo,
        now: DateTime<Utc>,
    ) -> Result<bool, LedgerError> {
        let result = self.decision(RecordKind::Execution, id, who, None, now, |s| {
            let t = s.tally(policy);
            if t.satisfied() {
                Ok(())
            } else {
                Err(LedgerError::Refused(format!("{id} has {} of {} approvals", t.counted, t.needed)))
            }
        });
        match result {
            Ok(state) => Ok(matches!(&state.status, Status::Executed { by, .. } if *by == who.username)),
            Err(LedgerError::Closed { status: Status::Executed { .. } | Status::Finished { .. }, .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }
    /// Close an approved (still pending) request that no longer passes the policy.
    pub fn refuse(
        &self,
        id: &str,
        who: &UserInfo,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<RequestState, LedgerError> {
        self.decision(RecordKind::Refusal, id, who, Some(reason), now, |_| Ok(()))
    }

    /// Record how the run `who` claimed ended; only the claimer's outcome counts.
    pub fn finish(&self, id: &str, who: &UserInfo, outcome: &str, now: DateTime<Utc>) -> Result<(), LedgerError> {
        let make = |records: &[Record]| {
            let state =
                fold(records).into_iter().find(|s| s.id == id).ok_or_else(|| LedgerError::UnknownRequest(id.into()))?;
            match &state.status {
                Status::Executed { by, .. } if *by == who.username => Ok(Record {
                    kind: RecordKind::Outcome,
                    id: id.to_string(),
                    actor: who.username.clone(),
                    groups: who.groups.clone(),
                    at: now,
                    comment: Some(outcome.to_string()),
                    request: None,
                    trail: None,
                    verified: false,
                    commit: String::new(),
                }),
                other => Err(LedgerError::Refused(format!("request {id} is {}", describe_status(other)))),
            }
        };
        self.append_record(who, make).map(|_| ())
    }
}
