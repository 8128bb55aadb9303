//! People, as the bank's identity provider knows them: an issuer and a subject. A username is what
//! the provider calls someone today; OpenID Connect promises neither that it is unique nor that it
//! stays the same, so every rule about "someone else" (maker-checker, owning a work item) compares
//! [`PersonId`]s, and usernames are only shown.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use crate::access::Role;

/// A person, by the row their issuer and subject are recorded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PersonId(pub i64);

/// Who a person is, as pages show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: PersonId,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<String>,
    pub last_seen: DateTime<Utc>,
}

/// Records a sign-in: the person's row (made on their first), with today's username, name and roles.
pub async fn signed_in(
    pool: &PgPool,
    issuer: &str,
    subject: &str,
    username: &str,
    display_name: &str,
    roles: impl IntoIterator<Item = Role>,
) -> Result<PersonId, sqlx::Error> {
    let roles: Vec<String> = roles.into_iter().map(|r| r.code().to_owned()).collect();
    let id = sqlx::query_scalar!(
        "INSERT INTO person (issuer, subject, username, display_name, roles) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (issuer, subject) DO UPDATE
             SET username = EXCLUDED.username, display_name = EXCLUDED.display_name, roles = EXCLUDED.roles,
                 last_seen = now()
         RETURNING id",
        issuer,
        subject,
        username,
        display_name,
        &roles
    )
    .fetch_one(pool)
    .await?;
    Ok(PersonId(id))
}

/// The people whose latest sign-in gave them any of `roles`, by username.
pub async fn with_any_role(pool: &PgPool, roles: &[Role]) -> Result<Vec<Person>, sqlx::Error> {
    let codes: Vec<String> = roles.iter().map(|r| r.code().to_owned()).collect();
    let rows = sqlx::query!(
        r#"SELECT id, username, display_name, roles, last_seen AS "last_seen: DateTime<Utc>"
           FROM person WHERE roles && $1 ORDER BY username, id"#,
        &codes
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Person {
            id: PersonId(r.id),
            username: r.username,
            display_name: r.display_name,
            roles: r.roles,
            last_seen: r.last_seen,
        })
        .collect())
}

/// One person, if recorded.
pub async fn get(pool: &PgPool, id: PersonId) -> Result<Option<Person>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT id, username, display_name, roles, last_seen AS "last_seen: DateTime<Utc>" FROM person WHERE id = $1"#,
        id.0
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| Person {
        id: PersonId(r.id),
        username: r.username,
        display_name: r.display_name,
        roles: r.roles,
        last_seen: r.last_seen,
    }))
}

/// What a person chose to read the portal in, as they last saved it; `None` where they never chose.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisplayChoices {
    /// A language tag the portal speaks (`en`, `zh-CN`).
    pub language: Option<String>,
    /// An IANA zone name.
    pub time_zone: Option<String>,
}

pub async fn display_choices(pool: &PgPool, id: PersonId) -> Result<DisplayChoices, sqlx::Error> {
    let row = sqlx::query_as!(DisplayChoices, "SELECT language, time_zone FROM person WHERE id = $1", id.0)
        .fetch_optional(pool)
        .await?;
    Ok(row.unwrap_or_default())
}

/// Keeps a person's language (a tag the caller has checked; the table refuses any other).
pub async fn choose_language(pool: &PgPool, id: PersonId, language: &str) -> Result<(), sqlx::Error> {
    sqlx::query!("UPDATE person SET language = $2 WHERE id = $1", id.0, language).execute(pool).await?;
    Ok(())
}

/// Keeps a person's time zone (a zone name the caller has checked).
pub async fn choose_time_zone(pool: &PgPool, id: PersonId, time_zone: &str) -> Result<(), sqlx::Error> {
    sqlx::query!("UPDATE person SET time_zone = $2 WHERE id = $1", id.0, time_zone).execute(pool).await?;
    Ok(())
}

#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use crate::audit::Actor;

    /// A signed-in person for a test: `name` is both their subject and their username.
    pub async fn actor(pool: &PgPool, name: &str, role: Role) -> Actor {
        let person = signed_in(pool, "https://idp.test", name, name, name, [role]).await.unwrap();
        Actor { person, username: name.into(), session_ref: None, address: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn display_choices_stay_with_the_person_and_only_theirs_change(pool: PgPool) {
        let ava = signed_in(&pool, "https://idp", "s-1", "ava", "Ava", [Role::Associate]).await.unwrap();
        let sam = signed_in(&pool, "https://idp", "s-2", "sam", "Sam", [Role::Approver]).await.unwrap();
        assert_eq!(display_choices(&pool, ava).await.unwrap(), DisplayChoices::default());
        choose_language(&pool, ava, "zh-CN").await.unwrap();
        choose_time_zone(&pool, ava, "Asia/Shanghai").await.unwrap();
        // Signing in again (a new username, new roles) keeps them.
        signed_in(&pool, "https://idp", "s-1", "ava.new", "Ava", [Role::Admin]).await.unwrap();
        let choices = display_choices(&pool, ava).await.unwrap();
        assert_eq!(choices.language.as_deref(), Some("zh-CN"));
        assert_eq!(choices.time_zone.as_deref(), Some("Asia/Shanghai"));
        assert_eq!(display_choices(&pool, sam).await.unwrap(), DisplayChoices::default());
        // The table takes no language the portal does not speak, whatever a caller forgets to check.
        assert!(choose_language(&pool, sam, "fr").await.is_err());
        assert!(choose_language(&pool, sam, "en'; --").await.is_err());
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_person_is_their_issuer_and_subject_whatever_their_username(pool: PgPool) {
        let first = signed_in(&pool, "https://idp", "s-1", "ava", "Ava", [Role::Associate]).await.unwrap();
        let renamed =
            signed_in(&pool, "https://idp", "s-1", "ava.new", "Ava", [Role::Associate]).await.unwrap();
        assert_eq!(first, renamed, "a new username is the same person");
        let namesake =
            signed_in(&pool, "https://idp", "s-2", "ava", "Ava Two", [Role::Approver]).await.unwrap();
        assert_ne!(first, namesake, "the same username from another subject is someone else");
        let other_idp = signed_in(&pool, "https://other", "s-1", "ava", "Ava", [Role::Viewer]).await.unwrap();
        assert_ne!(first, other_idp, "a subject is unique only within its issuer");
        let approvers = with_any_role(&pool, &[Role::Approver]).await.unwrap();
        assert_eq!(approvers.iter().map(|p| p.id).collect::<Vec<_>>(), vec![namesake]);
        assert_eq!(get(&pool, first).await.unwrap().unwrap().username, "ava.new");
    }
}
