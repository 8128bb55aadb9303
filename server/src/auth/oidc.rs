//! The OpenID Connect relying party: authorization code flow with PKCE, state and nonce; the ID
//! token is validated (signature against the provider's JWKS, issuer, audience, expiry, nonce).
//!
//! The provider is discovered on first use, not at start-up, so the portal starts (and reports
//! ready) while the identity provider is briefly down; a failed discovery is retried next time.

use std::sync::Arc;

use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreClaimName, CoreClaimType, CoreClientAuthMethod,
    CoreErrorResponseType, CoreGenderClaim, CoreGrantType, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm, CoreJwsSigningAlgorithm, CoreResponseMode, CoreResponseType,
    CoreRevocableToken, CoreRevocationErrorResponse, CoreSubjectIdentifierType,
    CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AdditionalProviderMetadata, AuthenticationFlow, AuthorizationCode, Client, ClientId,
    ClientSecret, CsrfToken, EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet,
    IdTokenFields, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier, ProviderMetadata, RedirectUrl,
    Scope, StandardErrorResponse, StandardTokenResponse,
};
use serde::{Deserialize, Serialize};
use tokio::sync::RwLock;

use crate::config::AuthConfig;

/// The `groups` claim, which carries the person's directory groups.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct GroupsClaim {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<String>>,
}
impl AdditionalClaims for GroupsClaim {}

/// Discovery fields beyond the core set: where to end the provider's session at logout.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LogoutMetadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    end_session_endpoint: Option<String>,
}
impl AdditionalProviderMetadata for LogoutMetadata {}

type Metadata = ProviderMetadata<
    LogoutMetadata,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

type TokenResponse = StandardTokenResponse<
    IdTokenFields<
        GroupsClaim,
        EmptyExtraTokenFields,
        CoreGenderClaim,
        CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    >,
    CoreTokenType,
>;

type OidcClient = Client<
    GroupsClaim,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    TokenResponse,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// A login in progress, kept in the (pre-login) session between the redirect to the provider and
/// the callback. Taken out of the session at the callback, so it serves once.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingLogin {
    pub state: String,
    nonce: String,
    pkce_verifier: String,
    /// Where to go after signing in (a local path).
    pub return_to: String,
}

/// Who the provider says signed in.
#[derive(Debug, Clone)]
pub struct Identity {
    pub subject: String,
    pub username: String,
    pub display_name: String,
    pub groups: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("the identity provider could not be reached or described itself wrongly: {0}")]
    Discovery(String),
    #[error("the authorization code was refused by the identity provider: {0}")]
    CodeExchange(String),
    #[error("the identity provider returned no ID token")]
    NoIdToken,
    #[error("the ID token is not valid: {0}")]
    InvalidIdToken(String),
}

struct Provider {
    client: OidcClient,
    end_session_endpoint: Option<String>,
}

pub struct Oidc {
    config: AuthConfig,
    http: openidconnect::reqwest::Client,
    provider: RwLock<Option<Arc<Provider>>>,
}

impl Oidc {
    pub fn new(config: AuthConfig) -> anyhow::Result<Self> {
        // Redirects off: a token endpoint that redirects must not leak the code elsewhere.
        let http = openidconnect::reqwest::ClientBuilder::new()
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(10))
            .build()?;
        Ok(Oidc { config, http, provider: RwLock::new(None) })
    }

    async fn provider(&self) -> Result<Arc<Provider>, OidcError> {
        if let Some(provider) = self.provider.read().await.as_ref() {
            return Ok(provider.clone());
        }
        let mut slot = self.provider.write().await;
        if let Some(provider) = slot.as_ref() {
            return Ok(provider.clone());
        }
        let discovery = |e: &dyn std::fmt::Display| OidcError::Discovery(e.to_string());
        let issuer = IssuerUrl::new(self.config.issuer_url.clone()).map_err(|e| discovery(&e))?;
        let metadata = Metadata::discover_async(issuer, &self.http).await.map_err(|e| discovery(&e))?;
        let end_session_endpoint = metadata.additional_metadata().end_session_endpoint.clone();
        let client = OidcClient::from_provider_metadata(
            metadata,
            ClientId::new(self.config.client_id.clone()),
            Some(ClientSecret::new(self.config.client_secret.expose().to_owned())),
        )
        .set_redirect_uri(RedirectUrl::new(self.config.redirect_url()).map_err(|e| discovery(&e))?);
        let provider = Arc::new(Provider { client, end_session_endpoint });
        *slot = Some(provider.clone());
        tracing::info!(issuer = %self.config.issuer_url, "identity provider discovered");
        Ok(provider)
    }

    /// Forgets the discovered provider, so the next login discovers it again (new signing keys).
    pub async fn forget_provider(&self) {
        *self.provider.write().await = None;
    }

    /// The provider's sign-in URL, and what the callback will need to finish. With
    /// `reauthenticate` the provider must ask for credentials even if its own session is alive.
    pub async fn begin(
        &self,
        return_to: String,
        reauthenticate: bool,
    ) -> Result<(String, PendingLogin), OidcError> {
        let provider = self.provider().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = provider
            .client
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("profile".into()))
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("groups".into()))
            .set_pkce_challenge(challenge);
        if reauthenticate {
            request = request.add_prompt(CoreAuthPrompt::Login);
        }
        let (url, state, nonce) = request.url();
        let pending = PendingLogin {
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            return_to,
        };
        Ok((url.to_string(), pending))
    }

    /// Exchanges the code and validates the ID token.
    pub async fn finish(&self, pending: &PendingLogin, code: String) -> Result<Identity, OidcError> {
        let provider = self.provider().await?;
        let exchange = provider
            .client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| OidcError::CodeExchange(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()));
        let tokens =
            exchange.request_async(&self.http).await.map_err(|e| OidcError::CodeExchange(e.to_string()))?;
        let id_token = tokens.extra_fields().id_token().ok_or(OidcError::NoIdToken)?;
        let claims = id_token
            .claims(&provider.client.id_token_verifier(), &Nonce::new(pending.nonce.clone()))
            .map_err(|e| OidcError::InvalidIdToken(e.to_string()))?;
        let subject = claims.subject().to_string();
        let username = claims.preferred_username().map(|u| u.to_string()).unwrap_or_else(|| subject.clone());
        let display_name = claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.to_string())
            .unwrap_or_else(|| username.clone());
        let groups = claims.additional_claims().groups.clone().unwrap_or_default();
        Ok(Identity { subject, username, display_name, groups })
    }

    /// Where to send the browser to end the provider's session too, if the provider says.
    pub async fn end_session_url(&self) -> Option<String> {
        let provider = self.provider().await.ok()?;
        let endpoint = provider.end_session_endpoint.as_ref()?;
        let mut url = openidconnect::url::Url::parse(endpoint).ok()?;
        url.query_pairs_mut()
            .append_pair("client_id", &self.config.client_id)
            .append_pair("post_logout_redirect_uri", &format!("{}/auth/signed-out", self.config.public_url));
        Some(url.to_string())
    }
}
