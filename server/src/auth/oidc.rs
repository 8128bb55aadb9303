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
    ClientSecret, CsrfToken, EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet, IdToken,
    IdTokenFields, IdTokenVerifier, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier, ProviderMetadata,
    RedirectUrl, Scope, StandardErrorResponse, StandardTokenResponse,
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

type ProviderIdToken =
    IdToken<GroupsClaim, CoreGenderClaim, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm>;

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
    /// Asked after a session timed out: the provider must have asked for the password again,
    /// and its ID token must say so (`auth_time`).
    #[serde(default)]
    reauthenticate: bool,
}

/// How recent a re-authentication's `auth_time` must be: the sign-in window, and a minute of
/// clock difference with the provider.
const REAUTHENTICATED_WITHIN: chrono::Duration = chrono::Duration::minutes(11);

/// Who the provider says signed in.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The provider that vouched for them: with `subject`, who they are.
    pub issuer: String,
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
            // Both: prompt=login for providers that honour it, max_age=0 for those that go by
            // age; either way the ID token then carries auth_time, which `finish` checks.
            request = request.add_prompt(CoreAuthPrompt::Login).set_max_age(std::time::Duration::ZERO);
        }
        let (url, state, nonce) = request.url();
        let pending = PendingLogin {
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            return_to,
            reauthenticate,
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
        let verifier = provider.client.id_token_verifier();
        let fresh_within = pending.reauthenticate.then_some(REAUTHENTICATED_WITHIN);
        identity_from(id_token, &verifier, &Nonce::new(pending.nonce.clone()), fresh_within)
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

/// Checks the ID token (signature against the provider's keys, issuer, audience, expiry, nonce)
/// and reads who it names.
fn identity_from(
    id_token: &ProviderIdToken,
    verifier: &IdTokenVerifier<'_, CoreJsonWebKey>,
    nonce: &Nonce,
    fresh_within: Option<chrono::Duration>,
) -> Result<Identity, OidcError> {
    let claims = id_token.claims(verifier, nonce).map_err(|e| OidcError::InvalidIdToken(e.to_string()))?;
    if let Some(limit) = fresh_within {
        // After an idle timeout, a provider session that signs the person straight back in (no
        // password) must not count: the token must show a sign-in just now.
        let fresh = claims.auth_time().is_some_and(|at| chrono::Utc::now() - at <= limit);
        if !fresh {
            return Err(OidcError::InvalidIdToken(
                "the provider did not ask for the password again (auth_time missing or old)".into(),
            ));
        }
    }
    let issuer = claims.issuer().to_string();
    let subject = claims.subject().to_string();
    let username = claims.preferred_username().map(|u| u.to_string()).unwrap_or_else(|| subject.clone());
    let display_name =
        claims.name().and_then(|n| n.get(None)).map(|n| n.to_string()).unwrap_or_else(|| username.clone());
    let groups = claims.additional_claims().groups.clone().unwrap_or_default();
    Ok(Identity { issuer, subject, username, display_name, groups })
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, Utc};
    use openidconnect::core::{CoreJsonWebKeySet, CoreRsaPrivateSigningKey};
    use openidconnect::{
        Audience, EndUserUsername, IdTokenClaims, JsonWebKeyId, PrivateSigningKey, StandardClaims,
        SubjectIdentifier,
    };

    use super::*;

    const ISSUER: &str = "https://sso.bank.example";
    const CLIENT: &str = "settledesk";
    const NONCE: &str = "nonce-from-this-sign-in";

    fn key(pem: &str) -> CoreRsaPrivateSigningKey {
        CoreRsaPrivateSigningKey::from_pem(pem, Some(JsonWebKeyId::new("key-1".into()))).unwrap()
    }

    fn provider_key() -> CoreRsaPrivateSigningKey {
        key(include_str!("testdata/provider-key.pem"))
    }

    /// Issues an ID token; the arguments say what is wrong with it, if anything.
    fn token(
        signer: &CoreRsaPrivateSigningKey,
        issuer: &str,
        audience: &str,
        lifetime: Duration,
        nonce: &str,
    ) -> ProviderIdToken {
        let now = Utc::now();
        let standard = StandardClaims::new(SubjectIdentifier::new("u-1234".into()))
            .set_preferred_username(Some(EndUserUsername::new("ava".into())));
        let groups = GroupsClaim { groups: Some(vec!["settledesk-associates".into()]) };
        let claims = IdTokenClaims::new(
            IssuerUrl::new(issuer.into()).unwrap(),
            vec![Audience::new(audience.into())],
            now + lifetime,
            now - Duration::seconds(5),
            standard,
            groups,
        )
        .set_nonce(Some(Nonce::new(nonce.into())));
        IdToken::new(claims, signer, CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256, None, None).unwrap()
    }

    /// The portal's verifier, trusting only the provider's key.
    fn verifier() -> IdTokenVerifier<'static, CoreJsonWebKey> {
        let jwks = CoreJsonWebKeySet::new(vec![provider_key().as_verification_key()]);
        IdTokenVerifier::new_confidential_client(
            ClientId::new(CLIENT.into()),
            ClientSecret::new("secret".into()),
            IssuerUrl::new(ISSUER.into()).unwrap(),
            jwks,
        )
    }

    /// Validates as the portal does.
    fn validate(id_token: &ProviderIdToken) -> Result<Identity, OidcError> {
        identity_from(id_token, &verifier(), &Nonce::new(NONCE.into()), None)
    }

    fn refused(id_token: &ProviderIdToken) -> String {
        match validate(id_token) {
            Err(OidcError::InvalidIdToken(why)) => why,
            other => panic!("expected the token to be refused, got {other:?}"),
        }
    }

    #[test]
    fn a_good_token_names_the_person_and_their_groups() {
        let identity =
            validate(&token(&provider_key(), ISSUER, CLIENT, Duration::minutes(5), NONCE)).unwrap();
        assert_eq!(identity.subject, "u-1234");
        assert_eq!(identity.username, "ava");
        assert_eq!(identity.groups, vec!["settledesk-associates".to_string()]);
    }

    #[test]
    fn an_expired_token_is_refused() {
        let why = refused(&token(&provider_key(), ISSUER, CLIENT, Duration::minutes(-5), NONCE));
        assert!(why.to_lowercase().contains("expire"), "{why}");
    }

    #[test]
    fn a_token_for_another_client_is_refused() {
        let why = refused(&token(&provider_key(), ISSUER, "some-other-app", Duration::minutes(5), NONCE));
        assert!(why.to_lowercase().contains("audience"), "{why}");
    }

    #[test]
    fn a_token_from_another_issuer_is_refused() {
        let why =
            refused(&token(&provider_key(), "https://evil.example", CLIENT, Duration::minutes(5), NONCE));
        assert!(why.to_lowercase().contains("issuer"), "{why}");
    }

    #[test]
    fn a_token_signed_by_anyone_but_the_provider_is_refused() {
        let impostor = key(include_str!("testdata/impostor-key.pem"));
        let why = refused(&token(&impostor, ISSUER, CLIENT, Duration::minutes(5), NONCE));
        assert!(why.to_lowercase().contains("signature"), "{why}");
    }

    #[test]
    fn after_an_idle_timeout_only_a_fresh_sign_in_counts() {
        let verifier = verifier();
        let signed_in = |auth_time: Option<chrono::DateTime<Utc>>| {
            let now = Utc::now();
            let standard = StandardClaims::new(SubjectIdentifier::new("u-1234".into()));
            let claims = IdTokenClaims::new(
                IssuerUrl::new(ISSUER.into()).unwrap(),
                vec![Audience::new(CLIENT.into())],
                now + Duration::minutes(5),
                now,
                standard,
                GroupsClaim { groups: None },
            )
            .set_nonce(Some(Nonce::new(NONCE.into())))
            .set_auth_time(auth_time);
            let token = IdToken::new(
                claims,
                &provider_key(),
                CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
                None,
                None,
            )
            .unwrap();
            identity_from(&token, &verifier, &Nonce::new(NONCE.into()), Some(REAUTHENTICATED_WITHIN))
        };
        assert!(signed_in(Some(Utc::now() - Duration::seconds(20))).is_ok());
        // The provider's own session, hours old, or a token that does not say when.
        assert!(matches!(
            signed_in(Some(Utc::now() - Duration::hours(3))),
            Err(OidcError::InvalidIdToken(_))
        ));
        assert!(matches!(signed_in(None), Err(OidcError::InvalidIdToken(_))));
    }

    #[test]
    fn a_token_from_another_sign_in_is_refused() {
        let why =
            refused(&token(&provider_key(), ISSUER, CLIENT, Duration::minutes(5), "someone-elses-nonce"));
        assert!(why.to_lowercase().contains("nonce"), "{why}");
    }
}
