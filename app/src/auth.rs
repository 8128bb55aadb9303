//! The signed-in person, as pages and server functions see them.
//!
//! The server's middleware resolves the session to a [`User`] before any page or server function
//! runs; unauthenticated requests never get this far. Pages are checked against
//! the route table ([`crate::routes`]) by that middleware; every server function calls [`require`] with its own
//! permission. The browser only ever sees a [`SessionView`]: what to show, never what to allow.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// What the UI needs to know about the signed-in person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub display_name: String,
    pub username: String,
    pub roles: Vec<String>,
    /// The navigation entries (by href) this person may open.
    pub sections: Vec<String>,
}

#[server(endpoint = "session")]
pub async fn fetch_session_view() -> Result<SessionView, AppError> {
    let user = server::current_user().ok_or(AppError::Unauthenticated)?;
    Ok(SessionView {
        display_name: user.display_name.clone(),
        username: user.username.clone(),
        roles: user.roles.iter().map(|r| r.code().to_owned()).collect(),
        sections: crate::routes::server::sections(|permission| user.can(permission)),
    })
}

#[cfg(feature = "ssr")]
pub mod server {
    use std::collections::BTreeSet;
    use std::net::SocketAddr;

    use axum::extract::ConnectInfo;
    use domain::access::{Permission, Role};
    use domain::audit::{AuditAction, NewAuditEvent};
    use leptos::prelude::use_context;
    use serde::{Deserialize, Serialize};

    use crate::error::AppError;

    /// A signed-in person, as kept in their server-side session.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct User {
        /// The person (issuer + subject): what separation of duties compares.
        pub person: domain::people::PersonId,
        /// The identity provider's stable subject identifier.
        pub subject: String,
        pub username: String,
        pub display_name: String,
        pub roles: BTreeSet<Role>,
        /// Names this session in the audit trail (the session id itself is a credential).
        pub session_ref: String,
        /// Unix seconds.
        pub signed_in_at: i64,
        /// Unix seconds of the last request, for the idle timeout.
        pub last_seen: i64,
    }

    impl User {
        pub fn can(&self, permission: Permission) -> bool {
            domain::access::allows(&self.roles, permission)
        }

        /// This person as the domain's rules see them.
        pub fn actor(&self) -> domain::audit::Actor {
            domain::audit::Actor {
                person: self.person,
                username: self.username.clone(),
                session_ref: Some(self.session_ref.clone()),
                address: client_address(),
            }
        }

        /// An audit event by this person in this session.
        pub fn audit_event(&self, action: AuditAction, address: Option<String>) -> NewAuditEvent {
            NewAuditEvent {
                session_ref: Some(self.session_ref.clone()),
                address,
                ..NewAuditEvent::new(self.username.clone(), action)
            }
        }
    }

    fn parts() -> Option<http::request::Parts> {
        use_context::<http::request::Parts>()
    }

    /// The person behind the current request, if signed in.
    pub fn current_user() -> Option<User> {
        parts()?.extensions.get::<User>().cloned()
    }

    /// The client address of the current request.
    pub fn client_address() -> Option<String> {
        parts()?.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip().to_string())
    }

    /// The signed-in person, if they hold `permission`. A refusal is recorded in the audit trail and
    /// answered with 403 (or 401 when nobody is signed in).
    pub async fn require(permission: Permission) -> Result<User, AppError> {
        let Some(user) = current_user() else {
            crate::error::respond_with(http::StatusCode::UNAUTHORIZED);
            return Err(AppError::Unauthenticated);
        };
        if user.can(permission) {
            return Ok(user);
        }
        let target = parts().map(|p| p.uri.path().to_owned());
        let state = crate::state::AppState::from_context()?;
        let event = NewAuditEvent {
            target,
            after: Some(serde_json::json!({ "needed": format!("{permission:?}") })),
            ..user.audit_event(AuditAction::AccessDenied, client_address())
        };
        state.audit.record(event).await.map_err(|e| AppError::database(&e))?;
        crate::error::respond_with(http::StatusCode::FORBIDDEN);
        Err(AppError::Forbidden)
    }
}
