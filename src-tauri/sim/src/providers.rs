//! Which provider a request path belongs to, for the layers that treat providers
//! differently (latency, secondary limits). OAuth and control paths belong to none.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Api {
    Stripe,
    Github,
    Google,
    Meta,
}

/// OAuth issuers' and accounts' paths: served at the root like GitHub, but not GitHub's API.
const OAUTH_PREFIXES: [&str; 8] = [
    "/login/",
    "/o/oauth2/",
    "/oauth2/",
    "/dialog/oauth",
    "/oauth/access_token",
    "/token",
    "/me",
    "/_sim",
];

pub fn api_of(path: &str) -> Option<Api> {
    if path == "/v1" || path.starts_with("/v1/") {
        return Some(Api::Stripe);
    }
    if crate::google::classify(path).is_some() {
        return Some(Api::Google);
    }
    if crate::meta::is_graph_path(path) {
        return Some(Api::Meta);
    }
    let prefix_of = |p: &str| {
        path.strip_prefix(p)
            .is_some_and(|rest| p.ends_with('/') || rest.is_empty() || rest.starts_with('/'))
    };
    if OAUTH_PREFIXES.iter().any(|p| prefix_of(p)) {
        return None;
    }
    // GitHub lives at the root (its router also answers unknown paths with its 404).
    Some(Api::Github)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_to_providers() {
        assert_eq!(api_of("/v1/charges"), Some(Api::Stripe));
        assert_eq!(api_of("/v1beta/properties/1:runReport"), Some(Api::Google));
        assert_eq!(api_of("/repos/a/b/issues"), Some(Api::Github));
        assert_eq!(api_of("/rate_limit"), Some(Api::Github));
        assert_eq!(api_of("/token"), None);
        assert_eq!(api_of("/tokens"), Some(Api::Github));
        assert_eq!(api_of("/login/oauth/access_token"), None);
        assert_eq!(api_of("/_sim/truth"), None);
        assert_eq!(api_of("/me"), None);
        assert_eq!(api_of("/v26.0/act_1/insights"), Some(Api::Meta));
        assert_eq!(api_of("/v19.0/me"), Some(Api::Meta));
    }
}
