//! Server addresses: turn `host:port`, `host`, or a URL (plus plain-text and a root path) into
//! the base URL the client uses, with the argocd CLI's rules (missing port → `:443`).

/// Base URL `scheme://host:port[/root]` without a trailing slash. A bare address gets `https`
/// (`http` when `plaintext`) and `:443` if it has no port, as the CLI does; an explicit
/// `http://`/`https://` URL keeps its scheme and default port. The root path is appended.
pub fn base_url(addr: &str, plaintext: bool, root_path: Option<&str>) -> Result<String, String> {
    let addr = addr.trim();
    if addr.is_empty() {
        return Err("the address is empty".into());
    }
    let (scheme, rest, explicit) = if let Some(r) = addr.strip_prefix("https://") {
        if plaintext {
            return Err("plain-text is on but the URL says https://; use http:// or drop plaintext".into());
        }
        ("https", r, true)
    } else if let Some(r) = addr.strip_prefix("http://") {
        ("http", r, true)
    } else if addr.contains("://") {
        return Err("only http:// and https:// URLs are supported".into());
    } else {
        (if plaintext { "http" } else { "https" }, addr, false)
    };
    let (hostport, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    if hostport.is_empty() {
        return Err("the host is missing".into());
    }
    if let Some(bad) =
        hostport.chars().find(|c| c.is_whitespace() || c.is_control() || matches!(c, '?' | '#' | '@' | '\\'))
    {
        return Err(format!("the host contains {bad:?}"));
    }
    if path.contains(['?', '#']) || path.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("the path may not hold spaces, a query or a fragment".into());
    }
    let hostport = match split_port(hostport)? {
        (_, Some(_)) => hostport.to_string(),
        (host, None) if !explicit => format!("{host}:443"),
        (host, None) => host.to_string(),
    };
    let mut segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if let Some(root) = root_path {
        segments.extend(root.split('/').filter(|s| !s.is_empty()));
    }
    let path: String = segments.iter().map(|s| format!("/{s}")).collect();
    Ok(format!("{scheme}://{hostport}{path}"))
}

/// Host and optional port; IPv6 hosts are bracketed (`[::1]:8080`).
fn split_port(hostport: &str) -> Result<(&str, Option<u16>), String> {
    let (host, port) = if hostport.starts_with('[') {
        match hostport.find(']') {
            Some(i) => match &hostport[i + 1..] {
                "" => (&hostport[..=i], None),
                p => match p.strip_prefix(':') {
                    Some(p) => (&hostport[..=i], Some(p)),
                    None => return Err("junk after the IPv6 address".into()),
                },
            },
            None => return Err("unclosed [ in the IPv6 address".into()),
        }
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    if host.is_empty() || host == "[]" {
        return Err("the host is missing".into());
    }
    match port {
        None => Ok((host, None)),
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 => Ok((host, Some(n))),
            _ => Err(format!("the port {p:?} is not a number from 1 to 65535")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_rules() {
        assert_eq!(base_url("argocd.example.com", false, None).ok().as_deref(), Some("https://argocd.example.com:443"));
        assert_eq!(
            base_url("localhost:8080", true, Some("argo-cd")).ok().as_deref(),
            Some("http://localhost:8080/argo-cd")
        );
        assert_eq!(base_url("https://a.example/x/", false, Some("/y/")).ok().as_deref(), Some("https://a.example/x/y"));
        assert_eq!(base_url("[::1]:8080", false, None).ok().as_deref(), Some("https://[::1]:8080"));
        assert!(base_url("https://a.example", true, None).is_err());
        assert!(base_url("a.example:99999", false, None).is_err());
        assert!(base_url("ftp://a", false, None).is_err());
        assert!(base_url("a b", false, None).is_err());
    }
}
