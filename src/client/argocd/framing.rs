//! Framing of Argo CD's streaming endpoints: NDJSON (default, one JSON message per `\n`)
//! and Server-Sent Events (`data: {…} \n\n`, `:` keep-alive comments). Fed with byte chunks
//! that may split anywhere — inside a message, a line ending, or a UTF-8 character.

/// Which framing the response uses (from its Content-Type).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    Ndjson,
    Sse,
}

impl Framing {
    /// `text/event-stream` → SSE; anything else is NDJSON (grpc-gateway's default).
    pub fn from_content_type(ct: Option<&str>) -> Self {
        match ct {
            Some(ct) if ct.to_ascii_lowercase().starts_with("text/event-stream") => Self::Sse,
            _ => Self::Ndjson,
        }
    }
}

/// Largest message we accept; a stream without newlines must not eat all memory.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// Incremental splitter: bytes in, complete message payloads (JSON texts) out.
#[derive(Debug)]
pub struct FrameParser {
    framing: Framing,
    buf: Vec<u8>,
    /// SSE: `data:` lines of the event being assembled.
    data: Vec<String>,
}

/// The stream broke its framing (a message over [`MAX_MESSAGE_BYTES`]).
#[derive(Debug, PartialEq, Eq)]
pub struct Oversized;

impl FrameParser {
    pub fn new(framing: Framing) -> Self {
        Self { framing, buf: Vec::new(), data: Vec::new() }
    }

    /// Add a chunk; return every message completed by it, in order.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<String>, Oversized> {
        self.buf.extend_from_slice(chunk);
        let mut out = Vec::new();
        let mut start = 0;
        // Only whole lines are decoded, so a UTF-8 character split across chunks is safe:
        // `\n` never occurs inside a multi-byte sequence.
        while let Some(pos) = self.buf[start..].iter().position(|&b| b == b'\n') {
            let line = String::from_utf8_lossy(&self.buf[start..start + pos]).into_owned();
            start += pos + 1;
            self.line(line.trim_end_matches('\r'), &mut out);
        }
        self.buf.drain(..start);
        let pending = self.buf.len() + self.data.iter().map(String::len).sum::<usize>();
        if pending > MAX_MESSAGE_BYTES {
            return Err(Oversized);
        }
        Ok(out)
    }

    fn line(&mut self, line: &str, out: &mut Vec<String>) {
        match self.framing {
            Framing::Ndjson => {
                let t = line.trim();
                if !t.is_empty() {
                    out.push(t.to_string());
                }
            }
            Framing::Sse => {
                if line.is_empty() {
                    // Blank line ends the event.
                    if !self.data.is_empty() {
                        out.push(self.data.join("\n").trim().to_string());
                        self.data.clear();
                    }
                } else if line.starts_with(':') {
                    // Keep-alive comment.
                } else if let Some(rest) = line.strip_prefix("data:") {
                    self.data.push(rest.strip_prefix(' ').unwrap_or(rest).to_string());
                }
                // Other fields (event:, id:, retry:) carry nothing Argo CD uses.
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feed `input` split at every possible pair of cut points; all must give the same output.
    fn all_splits(framing: Framing, input: &[u8]) -> Vec<String> {
        let mut whole = FrameParser::new(framing);
        let expected = whole.push(input).unwrap_or_default();
        for i in 0..=input.len() {
            for j in i..=input.len() {
                let mut p = FrameParser::new(framing);
                let mut got = Vec::new();
                for part in [&input[..i], &input[i..j], &input[j..]] {
                    got.extend(p.push(part).unwrap_or_default());
                }
                assert_eq!(got, expected, "split at {i},{j}");
            }
        }
        expected
    }

    #[test]
    fn ndjson_any_split() {
        let input = "{\"result\":{\"type\":\"ADDED\"}}\n\r\n{\"result\":{\"a\":\"é✓\"}}\r\n{\"tail\":1}".as_bytes();
        let got = all_splits(Framing::Ndjson, input);
        assert_eq!(got, vec![r#"{"result":{"type":"ADDED"}}"#.to_string(), r#"{"result":{"a":"é✓"}}"#.into()]);
    }

    #[test]
    fn sse_any_split_with_keepalives() {
        let input = ":\n\ndata: {\"result\":{\"x\":1}} \n\n\n:\ndata: {\"result\":\ndata: {\"y\":\"ü\"}}\n\nevent: x\ndata: {\"z\":0}".as_bytes();
        let got = all_splits(Framing::Sse, input);
        assert_eq!(got, vec![r#"{"result":{"x":1}}"#.to_string(), "{\"result\":\n{\"y\":\"ü\"}}".into()]);
    }

    #[test]
    fn content_type_picks_framing() {
        assert_eq!(Framing::from_content_type(Some("text/event-stream; charset=utf-8")), Framing::Sse);
        assert_eq!(Framing::from_content_type(Some("application/json")), Framing::Ndjson);
        assert_eq!(Framing::from_content_type(None), Framing::Ndjson);
    }

    #[test]
    fn oversized_is_refused() {
        let mut p = FrameParser::new(Framing::Ndjson);
        let big = vec![b'x'; MAX_MESSAGE_BYTES + 1];
        assert_eq!(p.push(&big), Err(Oversized));
    }
}
