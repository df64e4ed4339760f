//! Every Google call needs `Authorization: Bearer <token>` of a live grant from the sim's
//! Google issuer, and the grant must carry the product's scope: a person can untick a
//! product on Google's consent screen (`google_granted_scopes` in `/_sim/oauth`), and then
//! only that product answers 403 ACCESS_TOKEN_SCOPE_INSUFFICIENT.

use axum::http::{header, HeaderMap};

use super::errors::{GoogleError, INSUFFICIENT_SCOPES, INVALID_CREDENTIALS, MISSING_CREDENTIALS};
use super::Product;
use crate::oauth::GoogleToken;
use crate::state::{lock, AppState};

pub const ANALYTICS_READONLY: &str = "https://www.googleapis.com/auth/analytics.readonly";
pub const WEBMASTERS_READONLY: &str = "https://www.googleapis.com/auth/webmasters.readonly";
pub const ADWORDS: &str = "https://www.googleapis.com/auth/adwords";

/// The scopes that open a product (the read-only one, or a broader one).
fn scopes(product: Product) -> &'static [&'static str] {
    match product {
        Product::Ga4 => &[
            ANALYTICS_READONLY,
            "https://www.googleapis.com/auth/analytics",
            "https://www.googleapis.com/auth/analytics.edit",
        ],
        Product::SearchConsole => &[WEBMASTERS_READONLY, "https://www.googleapis.com/auth/webmasters"],
        Product::Ads => &[ADWORDS],
    }
}

pub fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    Some(token.trim().to_owned()).filter(|t| scheme.eq_ignore_ascii_case("bearer") && !t.is_empty())
}

/// Checks the caller's token and scope for `product`; `service` names the API in
/// Google's ErrorInfo (`analyticsdata.googleapis.com`, …).
pub fn authorize(
    s: &AppState,
    headers: &HeaderMap,
    product: Product,
    service: &'static str,
) -> Result<(), GoogleError> {
    let found = bearer(headers).map(|t| lock(&s.oauth).google_token(&t, s.clock.now()));
    let ads = |code: &'static str, message: &str| {
        GoogleError::ads(401, "authenticationError", code, message, s.google.request_id())
    };
    let scope = match found {
        None => {
            let e =
                GoogleError::new(product, 401, MISSING_CREDENTIALS).with_info("CREDENTIALS_MISSING", service);
            return Err(e.with_reason("global", "required"));
        }
        Some(GoogleToken::Unknown) if product == Product::Ads => {
            return Err(ads("OAUTH_TOKEN_INVALID", "Oauth token is invalid."));
        }
        Some(GoogleToken::Expired) if product == Product::Ads => {
            return Err(ads("OAUTH_TOKEN_EXPIRED", "Oauth token is expired."));
        }
        Some(GoogleToken::Unknown) => return Err(GoogleError::new(product, 401, INVALID_CREDENTIALS)),
        Some(GoogleToken::Expired) => {
            return Err(GoogleError::new(product, 401, INVALID_CREDENTIALS)
                .with_info("ACCESS_TOKEN_EXPIRED", service))
        }
        Some(GoogleToken::Live(scope)) => scope,
    };
    if scope
        .split_whitespace()
        .any(|granted| scopes(product).contains(&granted))
    {
        return Ok(());
    }
    Err(GoogleError::new(product, 403, INSUFFICIENT_SCOPES)
        .with_info("ACCESS_TOKEN_SCOPE_INSUFFICIENT", service)
        .with_reason("global", "insufficientPermissions"))
}
