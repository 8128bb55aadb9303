//! Every server function, called as every role: those the role's permissions do not cover answer
//! 403 before they do anything, the others get past the check. The expected table is written out
//! here, so a server function that checks the wrong permission (or none) fails this test.
//!
//! The calls go through leptos_axum's own dispatcher, by the function's address, with the signed-in
//! person in the request as the server's middleware puts them there.

use std::collections::BTreeSet;
use std::net::SocketAddr;

use app::auth::server::User;
use app::state::AppState;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::response::IntoResponse;
use domain::access::Role;
use http::{Request, StatusCode};
use leptos::prelude::provide_context;
use sqlx::PgPool;

use Role::*;

const EVERYONE: &[Role] = &[Viewer, Associate, Approver, Admin];
const LOOKUP: &[Role] = &[Viewer, Associate, Approver];
const REPORTS: &[Role] = &[Associate, Approver, Admin];
const WORK: &[Role] = &[Associate, Approver];
const LEDGER: &[Role] = &[Associate, Approver];
const INITIATE: &[Role] = &[Associate];
const APPROVE: &[Role] = &[Approver];
const AUDIT: &[Role] = &[Admin];
const ADMIN: &[Role] = &[Admin];

/// (endpoint under /api, a form body its arguments parse from, the roles that may call it).
const CALLS: &[(&str, &str, &[Role])] = &[
    ("session", "", EVERYONE),
    ("preferences", "", EVERYONE),
    ("preferences/time-zone", "time_zone=UTC", EVERYONE),
    ("preferences/language", "language=en", EVERYONE),
    ("dashboard/overview", "", EVERYONE),
    ("dashboard/running", "", EVERYONE),
    ("lookup", "query[payment_id]=nothing-like-it", LOOKUP),
    ("lookup/note", "payment_id=nothing-like-it&note=hello", LOOKUP),
    ("reports/runs", "", REPORTS),
    ("reports/items", "query[date]=2026-11-20", REPORTS),
    ("reports/item", "date=2026-11-20&seq=1", REPORTS),
    ("feeds/overview", "", REPORTS),
    ("exceptions/queue", "query[status]=open", WORK),
    ("exceptions/item", "id=1", WORK),
    ("exceptions/assign", "id=1&version=1", WORK),
    ("exceptions/resolve", "id=1&version=1&resolution=explained&note=because", WORK),
    ("exceptions/note", "id=1&note=hello", WORK),
    ("exceptions/bulk", "op=assign", WORK),
    ("ledger/overview", "", LEDGER),
    ("ledger/statement", "code=suspense", LEDGER),
    (
        "ledger/initiate",
        "form[key]=k&form[from]=a&form[to]=b&form[amount]=1&form[currency]=USD&form[description]=x",
        INITIATE,
    ),
    ("ledger/reverse", "key=k&transaction=1&description=because", INITIATE),
    ("ledger/approve", "id=1", APPROVE),
    ("ledger/reject", "id=1&reason=because", APPROVE),
    ("ledger/release-preview", "date=2026-11-20", APPROVE),
    ("ledger/release", "date=2026-11-20&seen[0]=1:1", APPROVE),
    ("ledger/close-propose", "date=2026-11-20", APPROVE),
    ("ledger/close-decide", "id=1&decision=approve", APPROVE),
    ("audit/search", "query[actor]=nobody", AUDIT),
    ("audit/verify", "", AUDIT),
    ("admin/sources", "", ADMIN),
    ("admin/sources/strictness", "source=visa&strict=on", ADMIN),
    ("admin/holidays", "", ADMIN),
    ("admin/holidays/add", "day=2027-12-24&name=Eve", ADMIN),
    ("admin/holidays/remove", "day=2027-12-24", ADMIN),
    ("admin/accounts", "code=test_account&name=Test&kind=asset&currency=USD", ADMIN),
    ("admin/rules", "", ADMIN),
    ("admin/counterparties", "", ADMIN),
    (
        "admin/counterparties/propose",
        "form[code]=PERM_TEST&form[name]=Test&form[account]=1234&form[bic]=&form[aba]=011000015&form[currency]=USD&form[reason]=test",
        ADMIN,
    ),
    ("admin/counterparties/decide", "id=1&decision=approve", ADMIN),
    ("admin/statement-accounts", "", ADMIN),
    ("admin/statement-accounts/map", "bank_account=000123456789&ledger_account=suspense", ADMIN),
    ("admin/rules/rate", "currency=EUR&rate=1.1", ADMIN),
    ("admin/rules/service-level", "reason=fee&days=2", ADMIN),
    ("admin/rules/template", "class=resettlement&reason=fee&from=suspense&to=suspense&description=x", ADMIN),
];

fn state(pool: &PgPool) -> AppState {
    AppState {
        leptos_options: leptos::prelude::LeptosOptions::builder().output_name("settledesk").build(),
        pool: pool.clone(),
        audit: domain::audit::AuditLog::start(pool.clone()),
        sign_in_origin: "http://127.0.0.1:1".into(),
        limits: domain::ledger::limits::Policy::default(),
    }
}

async fn person(pool: &PgPool, role: Role) -> User {
    let username = format!("{}-tester", role.code());
    let person = domain::people::signed_in(pool, "https://idp.test", &username, &username, &username, [role])
        .await
        .unwrap();
    User {
        person,
        subject: username.clone(),
        username: username.clone(),
        display_name: username,
        roles: BTreeSet::from([role]),
        session_ref: "test".into(),
        signed_in_at: 0,
        last_seen: 0,
    }
}

async fn call(state: &AppState, user: &User, endpoint: &str, body: &str) -> StatusCode {
    let mut request = Request::post(format!("/api/{endpoint}"))
        .header(http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(http::header::ACCEPT, "application/json")
        .body(Body::from(body.to_owned()))
        .unwrap();
    request.extensions_mut().insert(user.clone());
    request.extensions_mut().insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 4000))));
    let state = state.clone();
    let response =
        leptos_axum::handle_server_fns_with_context(move || provide_context(state.clone()), request).await;
    response.into_response().status()
}

#[sqlx::test(migrator = "domain::db::MIGRATOR")]
async fn every_server_function_refuses_exactly_the_roles_without_its_permission(pool: PgPool) {
    let state = state(&pool);
    let mut wrong = Vec::new();
    for role in Role::ALL {
        let user = person(&pool, role).await;
        for (endpoint, body, allowed) in CALLS {
            let status = call(&state, &user, endpoint, body).await;
            assert_ne!(status, StatusCode::NOT_FOUND, "{endpoint} is not a server function");
            assert_ne!(
                status,
                StatusCode::BAD_REQUEST,
                "{endpoint}: the test's arguments do not parse ({body})"
            );
            let refused = status == StatusCode::FORBIDDEN;
            if refused == allowed.contains(&role) {
                wrong.push(format!("{role:?} on {endpoint}: {status}"));
            }
        }
    }
    assert!(wrong.is_empty(), "server functions that check the wrong permission:\n{}", wrong.join("\n"));
}

#[test]
fn the_table_lists_every_server_function() {
    let listed: BTreeSet<&str> = CALLS.iter().map(|(endpoint, _, _)| *endpoint).collect();
    let registered: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.trim_start_matches("/api/").to_owned())
        .collect();
    let unlisted: Vec<&String> = registered.iter().filter(|p| !listed.contains(p.as_str())).collect();
    assert!(unlisted.is_empty(), "server functions missing from this test's table: {unlisted:?}");
}
