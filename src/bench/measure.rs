//! Small measuring tools of the benchmark: medians and percentiles of samples, and the
//! process's resident memory read from `/proc/self/statm`.

/// Bytes in a mebibyte, as f64 for reporting.
pub const MIB: f64 = 1024.0 * 1024.0;

/// 50th and 99th percentile of a set of samples.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Percentiles {
    pub p50: f64,
    pub p99: f64,
}

/// Nearest-rank percentile `p` (0–100) of sorted samples; 0 when there are none.
fn rank(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[i.clamp(1, sorted.len()) - 1]
}

pub fn percentiles(samples: &mut [f64]) -> Percentiles {
    samples.sort_by(f64::total_cmp);
    Percentiles { p50: rank(samples, 50.0), p99: rank(samples, 99.0) }
}

pub fn median(samples: &mut [f64]) -> f64 {
    percentiles(samples).p50
}

/// Resident set size of this process in bytes (0 where `/proc` is missing).
pub fn rss_bytes() -> u64 {
    let Ok(statm) = std::fs::read_to_string("/proc/self/statm") else { return 0 };
    let resident: u64 = statm.split_whitespace().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
    // SAFETY: sysconf has no preconditions; it only reads a system constant.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    resident * u64::try_from(page).unwrap_or(4096)
}

/// Give freed heap back to the OS before reading RSS, so the figure is live memory rather
/// than what the allocator kept from earlier phases (list bodies, the previous estate).
pub fn trim_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut s: Vec<f64> = (1..=100).rev().map(f64::from).collect();
        assert_eq!(percentiles(&mut s), Percentiles { p50: 50.0, p99: 99.0 });
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(percentiles(&mut []), Percentiles::default());
    }

    #[test]
    fn resident_memory_is_read() {
        assert!(rss_bytes() > 0);
    }
}
