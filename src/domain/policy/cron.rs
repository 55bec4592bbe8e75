//! A cron-like time pattern for freeze windows: the five classic fields
//! `minute hour day-of-month month day-of-week`, each `*`, a number, a name (`mon`, `jan`),
//! a range `a-b`, a step `*/n` or `a-b/n`, or a comma list of those. A freeze is active during
//! every minute the pattern matches. As in cron, when both day fields are restricted a day
//! matches if either does.

use chrono::{Datelike, NaiveDateTime, Timelike};

/// A parsed pattern: one bit set per allowed value of each field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cron {
    text: String,
    minutes: u64,
    hours: u64,
    days: u64,
    months: u64,
    weekdays: u64,
    days_any: bool,
    weekdays_any: bool,
}

const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

impl Cron {
    /// Parse a pattern; the error says which field is wrong and why.
    pub fn parse(text: &str) -> Result<Self, String> {
        let fields: Vec<&str> = text.split_whitespace().collect();
        let [mi, h, dom, mo, dow] = fields[..] else {
            return Err(format!(
                "`{text}` has {} fields; a freeze pattern has 5: minute hour day-of-month month day-of-week",
                fields.len()
            ));
        };
        let mut weekdays = field(dow, "day-of-week", 0, 7, &DAYS, 0)?;
        // 7 is Sunday too, as in cron.
        if weekdays & (1 << 7) != 0 {
            weekdays |= 1;
        }
        Ok(Self {
            text: text.to_string(),
            minutes: field(mi, "minute", 0, 59, &[], 0)?,
            hours: field(h, "hour", 0, 23, &[], 0)?,
            days: field(dom, "day-of-month", 1, 31, &[], 0)?,
            months: field(mo, "month", 1, 12, &MONTHS, 1)?,
            weekdays,
            days_any: dom == "*",
            weekdays_any: dow == "*",
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the minute containing `t` (a local time in the freeze's offset) matches.
    pub fn matches(&self, t: NaiveDateTime) -> bool {
        let bit = |set: u64, v: u32| set & (1u64 << v) != 0;
        let dom = bit(self.days, t.day());
        let dow = bit(self.weekdays, t.weekday().num_days_from_sunday());
        let day = match (self.days_any, self.weekdays_any) {
            (true, true) => true,
            (false, true) => dom,
            (true, false) => dow,
            (false, false) => dom || dow,
        };
        day && bit(self.minutes, t.minute()) && bit(self.hours, t.hour()) && bit(self.months, t.month())
    }
}

/// One field as a bit set. `names[i]` stands for `i + name_base`.
fn field(text: &str, what: &str, lo: u32, hi: u32, names: &[&str], name_base: u32) -> Result<u64, String> {
    let mut set = 0u64;
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => {
                let step: u32 = s.parse().map_err(|_| format!("{what}: step `{s}` is not a number"))?;
                if step == 0 {
                    return Err(format!("{what}: a step of 0 never matches"));
                }
                (r, step)
            }
            None => (part, 1),
        };
        let (a, b) = if range == "*" {
            (lo, hi)
        } else if let Some((a, b)) = range.split_once('-') {
            (value(a, what, lo, hi, names, name_base)?, value(b, what, lo, hi, names, name_base)?)
        } else {
            let v = value(range, what, lo, hi, names, name_base)?;
            (v, if step > 1 { hi } else { v })
        };
        if a > b {
            return Err(format!("{what}: range `{range}` runs backwards"));
        }
        for v in (a..=b).step_by(step as usize) {
            set |= 1u64 << v;
        }
    }
    Ok(set)
}

fn value(s: &str, what: &str, lo: u32, hi: u32, names: &[&str], name_base: u32) -> Result<u32, String> {
    let lower = s.to_ascii_lowercase();
    if let Some(i) = names.iter().position(|n| *n == lower) {
        return Ok(i as u32 + name_base);
    }
    let v: u32 = s.parse().map_err(|_| format!("{what}: `{s}` is not a number or a name"))?;
    if v < lo || v > hi {
        return Err(format!("{what}: {v} is outside {lo}-{hi}"));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(y: i32, m: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d).and_then(|d| d.and_hms_opt(h, mi, 0)).unwrap()
    }

    #[test]
    fn friday_evening_and_weekend() {
        let fri = Cron::parse("* 17-23 * * fri").unwrap();
        let wknd = Cron::parse("* * * * sat,sun").unwrap();
        // 2025-06-06 is a Friday.
        assert!(fri.matches(at(2025, 6, 6, 17, 0)));
        assert!(!fri.matches(at(2025, 6, 6, 16, 59)));
        assert!(!fri.matches(at(2025, 6, 5, 18, 0)));
        assert!(wknd.matches(at(2025, 6, 7, 3, 0)));
        assert!(wknd.matches(at(2025, 6, 8, 23, 59)));
        assert!(!wknd.matches(at(2025, 6, 9, 0, 0)));
    }

    #[test]
    fn steps_lists_and_errors() {
        let c = Cron::parse("*/15 9,12 1-7 dec 7").unwrap();
        assert!(c.matches(at(2025, 12, 3, 9, 30)));
        assert!(c.matches(at(2025, 12, 28, 12, 45)), "Sunday matches by weekday");
        assert!(!c.matches(at(2025, 12, 3, 9, 31)));
        assert!(Cron::parse("* * * *").unwrap_err().contains("5"));
        assert!(Cron::parse("61 * * * *").unwrap_err().contains("minute"));
        assert!(Cron::parse("* * * * funday").unwrap_err().contains("day-of-week"));
    }
}
