//! The device flow (RFC 8628), for GitHub sign-ins where a browser on this machine is not
//! an option (the CLI over SSH, a locked-down laptop): the provider shows a short code, the
//! person types it on the provider's site from any device, and we poll the token endpoint
//! at the interval the provider asks for until they decide. Polling, `slow_down` and the
//! code's lifetime are the `oauth2` crate's; a cancel ends the wait at once.

use std::future::Future;

use oauth2::basic::BasicClient;
use oauth2::{
    AuthType, ClientId, DeviceAuthorizationUrl, Scope, StandardDeviceAuthorizationResponse, TokenUrl,
};
use reqwest::Url;

use super::{credential, AuthError, OAuthApp, TokenHttp};
use crate::clock::Millis;
use crate::secrets::Credential;

/// A device sign-in under way: show `user_code` and `verification_uri`, then `finish`.
pub struct DeviceAuthorization {
    pub user_code: String,
    pub verification_uri: Url,
    app: OAuthApp,
    device_url: Url,
    details: StandardDeviceAuthorizationResponse,
}

impl std::fmt::Debug for DeviceAuthorization {
    // The device code is this flow's secret: never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceAuthorization")
            .field("provider", &self.app.provider)
            .field("user_code", &self.user_code)
            .finish_non_exhaustive()
    }
}

fn client(
    app: &OAuthApp,
    device_url: &Url,
) -> BasicClient<
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
> {
    BasicClient::new(ClientId::new(app.client_id.clone()))
        .set_device_authorization_url(DeviceAuthorizationUrl::from_url(device_url.clone()))
        .set_token_uri(TokenUrl::from_url(app.token_url.clone()))
        .set_auth_type(AuthType::RequestBody)
}

impl DeviceAuthorization {
    /// Asks the provider for a device code and the code the person will type.
    pub async fn begin(app: OAuthApp, device_url: Url, http: &reqwest::Client) -> Result<Self, AuthError> {
        let details: StandardDeviceAuthorizationResponse = client(&app, &device_url)
            .exchange_device_code()
            .add_scopes(app.scopes.iter().cloned().map(Scope::new))
            .request_async(&TokenHttp(http.clone()))
            .await
            .map_err(|e| AuthError::Network {
                provider: app.provider.clone(),
                step: "get a sign-in code",
                detail: e.to_string(),
            })?;
        let verification_uri = details.verification_uri().url().clone();
        Ok(Self {
            user_code: details.user_code().secret().clone(),
            verification_uri,
            app,
            device_url,
            details,
        })
    }

    /// Polls until the person approves or declines, the code expires, or `cancel` resolves.
    pub async fn finish(
        self,
        http: &reqwest::Client,
        now: impl Fn() -> Millis,
        cancel: impl Future<Output = ()>,
    ) -> Result<Credential, AuthError> {
        let client = client(&self.app, &self.device_url);
        let http = TokenHttp(http.clone());
        let poll =
            client
                .exchange_device_access_token(&self.details)
                .request_async(&http, tokio::time::sleep, None);
        let response = tokio::select! {
            response = poll => response,
            () = cancel => return Err(AuthError::Cancelled),
        };
        credential(&self.app, response, None, now())
    }
}
