//! Deterministic randomness and hashing for the simulator: a SplitMix64 generator (same seed →
//! same estate), revision/UID formatting, and the keyed hash that signs session tokens.
//! Not cryptography: the simulator only needs tokens a client cannot forge by accident.

/// SplitMix64: tiny, fast, and good enough to make a realistic estate reproducible.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// Uniform-ish integer in `lo..=hi` (modulo bias is irrelevant here).
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        lo + self.next_u64() % (hi - lo + 1)
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
}

/// The SplitMix64 finaliser, also used as a cheap hash of integers.
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Hash of a byte string seeded by `key` (FNV-1a folded through `mix`).
pub fn hash_bytes(key: u64, bytes: &[u8]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ mix(key);
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    mix(h)
}

/// A 40-hex git SHA derived from a 64-bit revision id.
pub fn sha40(rev: u64) -> String {
    let mut out = String::with_capacity(40);
    let mut state = rev;
    for _ in 0..3 {
        state = mix(state.wrapping_add(0x632B_E59B_D9B4_E019));
        out.push_str(&format!("{state:016x}"));
    }
    out.truncate(40);
    out
}

/// A Kubernetes-style UID (8-4-4-4-12 hex) derived from a 64-bit value.
pub fn uid(v: u64) -> String {
    let a = mix(v);
    let b = mix(a ^ 0x5555);
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}

/// Short lowercase alphanumeric suffix like a ReplicaSet hash or Pod suffix.
pub fn k8s_suffix(v: u64, len: usize) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut state = mix(v);
    (0..len)
        .map(|_| {
            let c = ALPHABET[(state % ALPHABET.len() as u64) as usize];
            state = mix(state);
            c as char
        })
        .collect()
}

/// Keyed 32-byte signature: the simulator's stand-in for HMAC-SHA256 (no extra crate).
pub fn sign(secret: u64, message: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, chunk) in out.chunks_mut(8).enumerate() {
        let h = hash_bytes(secret.wrapping_add(i as u64 * 0x1000_0001), message);
        chunk.copy_from_slice(&h.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence_and_sha_shape() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        assert_eq!(a.next_u64(), b.next_u64());
        let s = sha40(42);
        assert_eq!(s.len(), 40);
        assert!(s.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(sha40(42), sha40(43));
        assert_ne!(sign(1, b"x"), sign(2, b"x"));
    }
}
