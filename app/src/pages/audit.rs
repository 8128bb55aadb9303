//! The audit trail, for admins: search it, and check that nobody has changed it.
//!
//! Each event's details are shown as facts in words (money as money, codes by their names, ledger
//! accounts by their codes); the data as recorded stays one click away for auditors.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::i18n::{common, use_locale, Locale, Text};
use crate::kit::{Field, Loaded, Pager, TableWrap};
use crate::labels::{label, Kind};
use crate::layout::PageHeader;
use crate::pages::exceptions::fill_views;

/// Events on one page.
#[cfg(feature = "ssr")]
const PAGE_SIZE: i64 = 50;

/// Every audit action, in the order the search offers them.
pub const ACTIONS: [&str; 35] = [
    "auth.login",
    "auth.login_failed",
    "auth.logout",
    "auth.access_denied",
    "customer_data.view",
    "report.download",
    "list.export",
    "work_item.assign",
    "work_item.note",
    "work_item.resolve",
    "work_item.reopen",
    "work_item.escalate",
    "ledger.action_initiated",
    "ledger.action_approved",
    "ledger.action_rejected",
    "ledger.actions_expired",
    "ledger.close_proposed",
    "ledger.close_rejected",
    "ledger.date_closed",
    "ledger.reference_rate_set",
    "feed.file_loaded",
    "feed.file_quarantined",
    "feed.file_released",
    "feed.source_not_expected",
    "recon.run_completed",
    "recon.rerun_requested",
    "recon.items_retired",
    "feed.rows_retired",
    "counterparty.proposed",
    "counterparty.approved",
    "counterparty.rejected",
    "payment.sent",
    "hub.file_applied",
    "hub.file_quarantined",
    "admin.setting",
];

/// The search, as it travels in the page's URL (so a search can be shared as a link).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub target: Option<String>,
    /// First day to include (YYYY-MM-DD, in the viewer's time zone).
    pub from: Option<String>,
    /// Last day to include (YYYY-MM-DD, in the viewer's time zone).
    pub until: Option<String>,
    /// Show events older than this sequence number (the next page).
    pub before: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub seq: i64,
    pub occurred_at: String,
    pub actor: String,
    /// The action's code: words come from [`crate::labels`].
    pub action: String,
    pub target: Option<String>,
    pub address: Option<String>,
    pub session_ref: Option<String>,
    /// The details, read.
    pub facts: Vec<Fact>,
    /// The details as recorded (JSON).
    pub before_state: Option<String>,
    pub after_state: Option<String>,
}

/// One thing an event's details say: what it was before, what it is after (either may be absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact {
    pub key: FactKey,
    pub before: Option<FactValue>,
    pub after: Option<FactValue>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FactKey {
    /// A field of the details, by its recorded name.
    Field(String),
    /// A run's count of one class (and reason).
    Count { class: String, reason: Option<String> },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FactValue {
    /// Data shown as it is: ids, names, dates, amounts, file names.
    Data(String),
    /// Someone's words, as they wrote them.
    Written(String),
    /// A stored code, shown by its name.
    Code(CodeKind, String),
    Flag(bool),
    Priority(String),
    Roles(Vec<String>),
}

/// Which names a code takes (see [`crate::labels::Kind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CodeKind {
    Class,
    Reason,
    WorkStatus,
    Resolution,
    ActionKind,
    ActionStatus,
    AccountKind,
    Arrival,
    Network,
}

impl CodeKind {
    fn kind(self) -> Kind {
        match self {
            CodeKind::Class => Kind::Class,
            CodeKind::Reason => Kind::Reason,
            CodeKind::WorkStatus => Kind::WorkStatus,
            CodeKind::Resolution => Kind::Resolution,
            CodeKind::ActionKind => Kind::ActionKind,
            CodeKind::ActionStatus => Kind::ActionStatus,
            CodeKind::AccountKind => Kind::AccountKind,
            CodeKind::Arrival => Kind::Arrival,
            CodeKind::Network => Kind::Network,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    /// Where the next (older) page starts, when there is one.
    pub next_before: Option<i64>,
    /// Where the previous (newer) page starts: `None` on the first page, `Some(None)` when it is
    /// the first.
    pub previous_before: Option<Option<i64>>,
    pub time_zone: String,
}

/// The search as the domain reads it; days are in `zone`.
#[cfg(feature = "ssr")]
pub fn audit_filter(
    query: &AuditQuery,
    zone: domain::calendar::Tz,
) -> Result<domain::audit::AuditFilter, AppError> {
    let day = |refusal: Text, value: &Option<String>, next_day: bool| -> Result<_, AppError> {
        let Some(text) = value.as_deref().map(str::trim).filter(|t| !t.is_empty()) else { return Ok(None) };
        let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .filter(|d| (2000..=2100).contains(&chrono::Datelike::year(d)))
            .ok_or_else(|| AppError::refused_text(refusal, &[&text]))?;
        let date = if next_day { date + chrono::Days::new(1) } else { date };
        Ok(Some(domain::calendar::start_of_day(date, zone)))
    };
    let text =
        |value: &Option<String>| value.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned);
    Ok(domain::audit::AuditFilter {
        actor: text(&query.actor),
        action: text(&query.action),
        target: text(&query.target),
        from: day(refused::BAD_FROM, &query.from, false)?,
        until: day(refused::BAD_UNTIL, &query.until, true)?,
    })
}

#[server(endpoint = "audit/search")]
pub async fn search_audit(query: AuditQuery) -> Result<AuditPage, AppError> {
    use crate::preferences::viewer;
    use domain::access::Permission;

    crate::auth::server::require(Permission::ViewAudit).await?;
    let state = crate::state::AppState::from_context()?;
    let (zone, _) = viewer::time_zone(&state.pool).await?;
    let filter = audit_filter(&query, zone)?;
    let mut events = domain::audit::search(&state.pool, &filter, query.before, PAGE_SIZE + 1).await?;
    let previous_before = domain::audit::newer_page(&state.pool, &filter, query.before, PAGE_SIZE).await?;
    let has_more = events.len() as i64 > PAGE_SIZE;
    events.truncate(PAGE_SIZE as usize);
    let next_before = if has_more { events.last().map(|e| e.seq) } else { None };
    // Ledger actions name their accounts by id: the page names them by code.
    let accounts = if events.iter().any(|e| e.action.starts_with("ledger.")) {
        domain::ledger::accounts(&state.pool).await?.into_iter().map(|a| (a.id, a.code)).collect()
    } else {
        std::collections::HashMap::new()
    };
    let rows = events
        .into_iter()
        .map(|e| AuditRow {
            seq: e.seq,
            occurred_at: viewer::format_instant(e.occurred_at, zone),
            facts: details::facts(&e.action, e.before_state.as_deref(), e.after_state.as_deref(), &accounts),
            actor: e.actor,
            action: e.action,
            target: e.target,
            address: e.address,
            session_ref: e.session_ref,
            before_state: e.before_state,
            after_state: e.after_state,
        })
        .collect();
    Ok(AuditPage { rows, next_before, previous_before, time_zone: zone.name().to_owned() })
}

/// Where a walk of the chain found it broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChainBreak {
    Altered,
    Unlinked,
    Missing,
    TailRemoved,
    HeadMismatch,
}

/// The outcome of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChainOutcome {
    /// Every event, and the head's hash (hex).
    Intact {
        events: u64,
        head: String,
    },
    Broken {
        seq: i64,
        problem: ChainBreak,
    },
}

#[server(endpoint = "audit/verify")]
pub async fn verify_audit_chain() -> Result<ChainOutcome, AppError> {
    use domain::audit::{ChainBreak as B, ChainReport};
    crate::auth::server::require(domain::access::Permission::ViewAudit).await?;
    let state = crate::state::AppState::from_context()?;
    Ok(match domain::audit::verify(&state.pool).await? {
        ChainReport::Intact { events, head } => {
            ChainOutcome::Intact { events, head: head.iter().map(|b| format!("{b:02x}")).collect() }
        }
        ChainReport::Broken { seq, problem } => ChainOutcome::Broken {
            seq,
            problem: match problem {
                B::Altered => ChainBreak::Altered,
                B::Unlinked => ChainBreak::Unlinked,
                B::Missing => ChainBreak::Missing,
                B::TailRemoved => ChainBreak::TailRemoved,
                B::HeadMismatch => ChainBreak::HeadMismatch,
            },
        },
    })
}

/// An event's details (`before_state`, `after_state`: JSON) read as facts.
#[cfg(feature = "ssr")]
mod details {
    use std::collections::HashMap;

    use serde_json::{Map, Value};

    use super::{CodeKind, Fact, FactKey, FactValue};

    /// Keys whose numbers are ledger accounts (in a ledger action's request).
    const ACCOUNT_KEYS: [&str; 6] =
        ["from", "to", "suspense", "fx_position_from", "fx_position_to", "fx_gain"];
    /// Keys whose text someone wrote.
    const WRITTEN_KEYS: [&str; 5] = ["note", "description", "difference_reason", "reason", "name"];

    pub fn facts(
        action: &str,
        before: Option<&str>,
        after: Option<&str>,
        accounts: &HashMap<i64, String>,
    ) -> Vec<Fact> {
        let read = |side: Option<&str>| {
            let mut found = Vec::new();
            if let Some(Value::Object(map)) = side.and_then(|s| serde_json::from_str::<Value>(s).ok()) {
                object(action, &map, accounts, &mut found);
            }
            found
        };
        let mut facts: Vec<Fact> = read(before)
            .into_iter()
            .map(|(key, value)| Fact { key, before: Some(value), after: None })
            .collect();
        for (key, value) in read(after) {
            match facts.iter_mut().find(|f| f.key == key && f.after.is_none()) {
                Some(fact) => fact.after = Some(value),
                None => facts.push(Fact { key, before: None, after: Some(value) }),
            }
        }
        facts
    }

    fn object(
        action: &str,
        map: &Map<String, Value>,
        accounts: &HashMap<i64, String>,
        out: &mut Vec<(FactKey, FactValue)>,
    ) {
        for (key, value) in map {
            match value {
                Value::Null => {}
                Value::Object(inner) if key == "counts" => {
                    for (count, n) in inner {
                        let (class, reason) = match count.split_once('/') {
                            Some((class, reason)) => (class.to_owned(), Some(reason.to_owned())),
                            None => (count.clone(), None),
                        };
                        out.push((FactKey::Count { class, reason }, FactValue::Data(scalar(n))));
                    }
                }
                Value::Object(inner) => match money(inner) {
                    Some(amount) => out.push((FactKey::Field(key.clone()), FactValue::Data(amount))),
                    None => object(action, inner, accounts, out),
                },
                other => {
                    if let Some(value) = fact(action, key, other, accounts) {
                        out.push((FactKey::Field(key.clone()), value));
                    }
                }
            }
        }
    }

    /// `{"minor": 1050, "currency": "USD"}` as money.
    fn money(map: &Map<String, Value>) -> Option<String> {
        if map.len() != 2 {
            return None;
        }
        let minor = map.get("minor")?.as_i64()?;
        let currency = map.get("currency")?.as_str()?;
        Some(domain::money::grouped_minor(minor, currency))
    }

    fn scalar(value: &Value) -> String {
        match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }

    fn fact(action: &str, key: &str, value: &Value, accounts: &HashMap<i64, String>) -> Option<FactValue> {
        let code = |kind: CodeKind| Some(FactValue::Code(kind, scalar(value)));
        match value {
            Value::Null | Value::Object(_) => None,
            Value::Bool(flag) => Some(FactValue::Flag(*flag)),
            Value::Array(items) if key == "roles" => {
                Some(FactValue::Roles(items.iter().map(scalar).collect()))
            }
            Value::Array(items) => {
                Some(FactValue::Data(items.iter().map(scalar).collect::<Vec<_>>().join(", ")))
            }
            Value::Number(n) => Some(FactValue::Data(match (n.as_i64(), key) {
                (Some(minor), "usd_value_minor") => domain::money::grouped_minor(minor, "USD"),
                (Some(id), key) if action.starts_with("ledger.") && ACCOUNT_KEYS.contains(&key) => {
                    accounts.get(&id).cloned().unwrap_or_else(|| format!("#{id}"))
                }
                _ => n.to_string(),
            })),
            Value::String(text) => match key {
                "status" if action.starts_with("work_item.") => code(CodeKind::WorkStatus),
                "status" if action.starts_with("feed.") => code(CodeKind::Arrival),
                "status" if action.starts_with("ledger.") => code(CodeKind::ActionStatus),
                "resolution" => code(CodeKind::Resolution),
                "class" => code(CodeKind::Class),
                "network" => code(CodeKind::Network),
                "priority" => Some(FactValue::Priority(text.clone())),
                "kind" if ["asset", "liability", "income", "expense"].contains(&text.as_str()) => {
                    code(CodeKind::AccountKind)
                }
                "kind" => code(CodeKind::ActionKind),
                key if WRITTEN_KEYS.contains(&key) => Some(FactValue::Written(text.clone())),
                _ => Some(FactValue::Data(text.clone())),
            },
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn a_ledger_action_reads_as_money_and_account_codes() {
            let after = r#"{"request":{"kind":"transfer","from":3,"to":9,"amount":{"minor":125050,"currency":"USD"},
                "description":"Chargeback back"},"approvals_needed":1,"work_item":12,"usd_value_minor":125050,
                "difference_reason":null}"#;
            let accounts = HashMap::from([(3, "visa_settlement".to_owned()), (9, "suspense".to_owned())]);
            let facts = facts("ledger.action_initiated", None, Some(after), &accounts);
            let value = |name: &str| {
                facts.iter().find(|f| f.key == FactKey::Field(name.into())).and_then(|f| f.after.clone())
            };
            assert_eq!(value("kind"), Some(FactValue::Code(CodeKind::ActionKind, "transfer".into())));
            assert_eq!(value("from"), Some(FactValue::Data("visa_settlement".into())));
            assert_eq!(value("to"), Some(FactValue::Data("suspense".into())));
            assert_eq!(value("amount"), Some(FactValue::Data("1,250.50 USD".into())));
            assert_eq!(value("usd_value_minor"), Some(FactValue::Data("1,250.50 USD".into())));
            assert_eq!(value("description"), Some(FactValue::Written("Chargeback back".into())));
            assert_eq!(value("difference_reason"), None, "nothing recorded, nothing shown");
        }

        #[test]
        fn a_change_pairs_before_and_after() {
            let before = r#"{"status":"open","owner":null,"resolution":null,"version":1}"#;
            let after = r#"{"state":{"status":"resolved","owner":"ava","resolution":"timing","version":2},"note":"ok"}"#;
            let facts = facts("work_item.resolve", Some(before), Some(after), &HashMap::new());
            let status = facts.iter().find(|f| f.key == FactKey::Field("status".into())).unwrap();
            assert_eq!(status.before, Some(FactValue::Code(CodeKind::WorkStatus, "open".into())));
            assert_eq!(status.after, Some(FactValue::Code(CodeKind::WorkStatus, "resolved".into())));
            let version = facts.iter().find(|f| f.key == FactKey::Field("version".into())).unwrap();
            assert_eq!(
                (version.before.clone(), version.after.clone()),
                (Some(FactValue::Data("1".into())), Some(FactValue::Data("2".into())))
            );
            assert!(facts.iter().any(|f| f.key == FactKey::Field("owner".into()) && f.before.is_none()));
        }

        #[test]
        fn a_run_s_counts_name_their_classes() {
            let after = r#"{"records":10,"counts":{"match":7,"mismatch/amount_differs":3}}"#;
            let facts = facts("recon.run_completed", None, Some(after), &HashMap::new());
            assert!(facts.contains(&Fact {
                key: FactKey::Count { class: "mismatch".into(), reason: Some("amount_differs".into()) },
                before: None,
                after: Some(FactValue::Data("3".into())),
            }));
        }

        #[test]
        fn a_sign_in_names_its_roles() {
            let facts =
                facts("auth.login", None, Some(r#"{"roles":["viewer"],"subject":"vera"}"#), &HashMap::new());
            assert_eq!(facts[0].after, Some(FactValue::Roles(vec!["viewer".into()])));
        }
    }
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let locale = use_locale();
    let params = use_query_map();
    let query = move || {
        params.with(|p| {
            let get = |k: &str| p.get(k).filter(|v| !v.is_empty());
            AuditQuery {
                actor: get("actor"),
                action: get("action"),
                target: get("target"),
                from: get("from"),
                until: get("until"),
                before: get("before").and_then(|b| b.parse().ok()),
            }
        })
    };
    let results = Resource::new(query, search_audit);
    let verify = ServerAction::<VerifyAuditChain>::new();
    view! {
        <PageHeader title=crate::routes::AUDIT lede=text::LEDE/>
        <section class="card" aria-labelledby="verify-heading">
            <h2 id="verify-heading">{locale.t(text::INTEGRITY)}</h2>
            <ActionForm action=verify attr:class="inline-form">
                <button type="submit" class="button">{locale.t(text::VERIFY)}</button>
            </ActionForm>
            {move || verify.value().get().map(|outcome| match outcome {
                Ok(ChainOutcome::Intact { events, head }) => view! {
                    <p class="form-ok" role="status" data-test="chain-report">
                        {fill_views(locale.t(text::CHAIN_INTACT), vec![
                            events.to_string().into_any(),
                            view! { <code translate="no">{head}</code> }.into_any(),
                        ])}
                    </p>
                }.into_any(),
                Ok(ChainOutcome::Broken { seq, problem }) => view! {
                    <p class="form-error" role="alert" data-test="chain-report">
                        {locale.f(text::CHAIN_BROKEN, &[&seq, &locale.t(chain_break(problem))])}
                    </p>
                }.into_any(),
                Err(e) => view! { <p class="form-error" role="alert">{e.message(locale)}</p> }.into_any(),
            })}
        </section>
        <AuditSearchForm query=query()/>
        <Loaded>
            {move || Suspend::new(async move {
                let current = query();
                results.await.map(|page| view! { <AuditTable page current/> })
            })}
        </Loaded>
    }
}

fn chain_break(problem: ChainBreak) -> Text {
    match problem {
        ChainBreak::Altered => text::BREAK_ALTERED,
        ChainBreak::Unlinked => text::BREAK_UNLINKED,
        ChainBreak::Missing => text::BREAK_MISSING,
        ChainBreak::TailRemoved => text::BREAK_TAIL_REMOVED,
        ChainBreak::HeadMismatch => text::BREAK_HEAD_MISMATCH,
    }
}

/// A plain GET form: the search lands in the URL, and it works without JavaScript.
#[component]
fn AuditSearchForm(query: AuditQuery) -> impl IntoView {
    let locale = use_locale();
    let field = |value: Option<String>| value.unwrap_or_default();
    let action = field(query.action.clone());
    // An action in the address that the list does not hold (a new one) stays chosen.
    let other = (!action.is_empty() && !ACTIONS.contains(&action.as_str())).then(|| action.clone());
    view! {
        <form method="get" action="/audit" class="filters" role="search" aria-label=locale.t(text::SEARCH_THE_TRAIL)>
            <Field id="audit-actor" name="actor" label=text::ACTOR>
                <input id="audit-actor" name="actor" value=field(query.actor)/></Field>
            <Field id="audit-action" name="action" label=text::ACTION>
                <select id="audit-action" name="action">
                    <option value="" selected=action.is_empty()>{locale.t(common::ANY)}</option>
                    {ACTIONS.into_iter().map(|code| view! {
                        <option value=code selected=action == code>{label(Kind::AuditAction, code, locale)}</option>
                    }).collect_view()}
                    {other.map(|code| view! {
                        <option value=code.clone() selected=true translate="no">{label(Kind::AuditAction, &code, locale)}</option>
                    })}
                </select></Field>
            <Field id="audit-target" name="target" label=text::TARGET>
                <input id="audit-target" name="target" value=field(query.target) aria-describedby="audit-target-hint"/>
                <p class="hint" id="audit-target-hint">{fill_views(locale.t(text::TARGET_HINT), vec![
                    view! { <code translate="no">"work_item:12"</code> }.into_any(),
                    view! { <code translate="no">"page:/ledger"</code> }.into_any(),
                ])}</p></Field>
            <Field id="audit-from" name="from" label=text::FROM_DAY>
                <input id="audit-from" name="from" type="date" value=field(query.from)/></Field>
            <Field id="audit-until" name="until" label=text::UNTIL_DAY>
                <input id="audit-until" name="until" type="date" value=field(query.until)/></Field>
            <div class="actions"><button type="submit" class="button primary">{locale.t(text::SEARCH)}</button></div>
        </form>
    }
}

fn role_label(code: &str, locale: Locale) -> String {
    label(Kind::Role, code, locale)
}

fn key_text(key: &str) -> Option<Text> {
    use text::*;
    Some(match key {
        "status" => common::STATUS,
        "owner" => KEY_OWNER,
        "resolution" => KEY_RESOLUTION,
        "version" => KEY_VERSION,
        "note" => common::NOTE,
        "run" => KEY_RUN,
        "reversed_by" => KEY_REVERSED_BY,
        "business_days" => KEY_BUSINESS_DAYS,
        "priority" => KEY_PRIORITY,
        "roles" => KEY_ROLES,
        "subject" => KEY_SUBJECT,
        "reason" => common::REASON,
        "needed" => KEY_NEEDED,
        "filter" => KEY_FILTER,
        "bytes" => KEY_BYTES,
        "rows" => KEY_ROWS,
        "kind" => KEY_KIND,
        "amount" => common::AMOUNT,
        "from" => KEY_FROM,
        "to" => KEY_TO,
        "suspense" => KEY_SUSPENSE,
        "description" => KEY_DESCRIPTION,
        "approvals_needed" => KEY_APPROVALS_NEEDED,
        "work_item" => KEY_WORK_ITEM,
        "usd_value_minor" => KEY_USD_VALUE,
        "difference_reason" => KEY_DIFFERENCE_REASON,
        "expired" => KEY_EXPIRED,
        "approved_by" => KEY_APPROVED_BY,
        "transaction" => KEY_TRANSACTION,
        "action" => KEY_LEDGER_ACTION,
        "proposal" => KEY_PROPOSAL,
        "code" => KEY_CODE,
        "name" => common::NAME,
        "currency" => common::CURRENCY,
        "usd_per_unit" => KEY_USD_PER_UNIT,
        "business_date" => common::BUSINESS_DATE,
        "day" => common::DATE,
        "source" => common::SOURCE,
        "object_key" => common::FILE,
        "replaced_by" => KEY_REPLACED_BY,
        "replacement_bytes" => KEY_REPLACEMENT_BYTES,
        "replacement_sha256" => KEY_REPLACEMENT_HASH,
        "strict" => KEY_STRICT,
        "records" => KEY_RECORDS,
        "unreadable" => KEY_UNREADABLE,
        "payments" => KEY_PAYMENTS,
        "work_items_closed" => KEY_ITEMS_CLOSED,
        "files_not_closing" => KEY_FILES_NOT_CLOSING,
        "to_currency" => KEY_TO_CURRENCY,
        "mid_rate" => KEY_MID_RATE,
        "spread_bps" => KEY_SPREAD,
        "fx_position_from" => KEY_FX_POSITION_FROM,
        "fx_position_to" => KEY_FX_POSITION_TO,
        "fx_gain" => KEY_FX_GAIN,
        "class" => KEY_CLASS,
        "network" => common::NETWORK,
        _ => return None,
    })
}

fn fact_key(key: &FactKey, locale: Locale) -> AnyView {
    match key {
        FactKey::Field(name) => match key_text(name) {
            Some(text) => locale.t(text).into_any(),
            None => view! { <span translate="no">{name.clone()}</span> }.into_any(),
        },
        FactKey::Count { class, reason } => {
            let class = label(Kind::Class, class, locale);
            match reason {
                Some(reason) => format!("{class} · {}", label(Kind::Reason, reason, locale)).into_any(),
                None => class.into_any(),
            }
        }
    }
}

fn fact_value(value: FactValue, locale: Locale) -> AnyView {
    match value {
        FactValue::Data(data) | FactValue::Written(data) => {
            view! { <span translate="no">{data}</span> }.into_any()
        }
        FactValue::Code(kind, code) => label(kind.kind(), &code, locale).into_any(),
        FactValue::Flag(flag) => locale.t(if flag { common::YES } else { common::NO }).into_any(),
        FactValue::Priority(code) => match code.as_str() {
            "high" => locale.t(text::PRIORITY_HIGH).into_any(),
            "normal" => locale.t(text::PRIORITY_NORMAL).into_any(),
            _ => view! { <span translate="no">{code}</span> }.into_any(),
        },
        FactValue::Roles(roles) => roles
            .iter()
            .map(|r| role_label(r, locale))
            .collect::<Vec<_>>()
            .join(locale.t(text::LIST_SEPARATOR))
            .into_any(),
    }
}

/// A fact's value, or its change ("Open → Resolved"); a value only recorded before is marked so.
fn fact_change(fact: Fact, locale: Locale) -> AnyView {
    match (fact.before, fact.after) {
        (Some(before), Some(after)) if before == after => fact_value(after, locale),
        (Some(before), Some(after)) => {
            view! { {fact_value(before, locale)}" → "{fact_value(after, locale)} }.into_any()
        }
        (None, Some(after)) => fact_value(after, locale),
        (Some(before), None) => {
            view! { {fact_value(before, locale)}" "<span class="muted">{locale.t(text::BEFORE_MARK)}</span> }
                .into_any()
        }
        (None, None) => ().into_any(),
    }
}

/// The query string of the search (for the other pages and the export).
fn search_pairs(current: &AuditQuery) -> Vec<String> {
    let mut pairs = Vec::new();
    for (key, value) in [
        ("actor", &current.actor),
        ("action", &current.action),
        ("target", &current.target),
        ("from", &current.from),
        ("until", &current.until),
    ] {
        if let Some(v) = value {
            pairs.push(format!("{key}={}", crate::url::encode_component(v)));
        }
    }
    pairs
}

fn audit_href(pairs: &[String], before: Option<i64>) -> String {
    let mut pairs = pairs.to_vec();
    if let Some(before) = before {
        pairs.push(format!("before={before}"));
    }
    if pairs.is_empty() {
        "/audit".to_owned()
    } else {
        format!("/audit?{}", pairs.join("&"))
    }
}

#[component]
fn AuditTable(page: AuditPage, current: AuditQuery) -> impl IntoView {
    let locale = use_locale();
    let pairs = search_pairs(&current);
    let export = format!("/export/audit.csv?{}", pairs.join("&"));
    let next = page.next_before.map(|before| audit_href(&pairs, Some(before)));
    let previous = page.previous_before.map(|before| audit_href(&pairs, before));
    if page.rows.is_empty() {
        return view! {
            <p class="muted" data-test="audit-empty">{locale.t(text::NO_EVENTS)}</p>
            <Pager previous next/>
        }
        .into_any();
    }
    let zone = page.time_zone.clone();
    view! {
        <TableWrap label=locale.t(text::EVENTS_TABLE)>
            <table class="data" data-test="audit-events">
                <caption>{fill_views(locale.t(text::CAPTION), vec![view! { <span translate="no">{zone}</span> }.into_any()])}</caption>
                <thead><tr>
                    <th scope="col">"#"</th><th scope="col">{locale.t(common::WHEN)}</th>
                    <th scope="col">{locale.t(text::ACTOR)}</th><th scope="col">{locale.t(text::ACTION)}</th>
                    <th scope="col">{locale.t(text::TARGET)}</th><th scope="col" class="hide-narrow">{locale.t(text::ADDRESS)}</th>
                    <th scope="col">{locale.t(text::DETAILS)}</th>
                </tr></thead>
                <tbody>
                    {page.rows.into_iter().map(|row| {
                        let recorded = row.before_state.is_some() || row.after_state.is_some();
                        view! {
                            <tr data-action=row.action.clone()>
                                <td class="num" translate="no">{row.seq}</td>
                                <td class="nowrap" translate="no">{row.occurred_at}</td>
                                <td translate="no">{row.actor}</td>
                                <td>{label(Kind::AuditAction, &row.action, locale)}</td>
                                <td translate="no">{row.target.unwrap_or_default()}</td>
                                <td class="hide-narrow" translate="no">{row.address.unwrap_or_default()}</td>
                                <td class="details">
                                    {(!row.facts.is_empty()).then(|| view! {
                                        <dl class="facts">
                                            {row.facts.into_iter().map(|fact| view! {
                                                <dt>{fact_key(&fact.key, locale)}</dt>
                                                <dd>{fact_change(fact, locale)}</dd>
                                            }).collect_view()}
                                        </dl>
                                    })}
                                    {recorded.then(|| view! {
                                        <details class="recorded">
                                            <summary>{locale.t(text::RECORDED_DATA)}</summary>
                                            {row.before_state.map(|b| view! {
                                                <div><span class="muted">{locale.t(text::BEFORE)}" "</span><code translate="no">{b}</code></div>
                                            })}
                                            {row.after_state.map(|a| view! {
                                                <div><span class="muted">{locale.t(text::AFTER)}" "</span><code translate="no">{a}</code></div>
                                            })}
                                        </details>
                                    })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </TableWrap>
        <Pager previous next/>
        <p class="list-links">
            <a href=export download rel="external" data-test="export">{locale.t(text::DOWNLOAD)}</a>
        </p>
    }
    .into_any()
}

mod text {
    crate::texts! {
        LEDE = "Every sign-in, view, download, action and change, in order. The record cannot be edited.", "按顺序记录每次登录、查看、下载、操作和更改。记录不可编辑。";
        // The chain.
        INTEGRITY = "Integrity", "完整性";
        EVENTS_TABLE = "Audit events", "审计事件";
        VERIFY = "Verify the chain", "校验审计链";
        CHAIN_INTACT = "The audit chain is intact: {} events, head {}", "审计链完整：共 {} 个事件，链头 {}";
        CHAIN_BROKEN = "The audit chain is BROKEN at event {}: {}", "审计链在事件 {} 处断裂：{}";
        BREAK_ALTERED = "its content does not match its hash (edited)", "其内容与哈希值不符（已被编辑）";
        BREAK_UNLINKED = "it does not link to the event before it (that one was edited or removed)", "它未与前一个事件相链接（前一个事件已被编辑或删除）";
        BREAK_MISSING = "it is missing (deleted)", "该事件缺失（已被删除）";
        BREAK_TAIL_REMOVED = "it and every later event are missing (deleted)", "该事件及其后的所有事件均缺失（已被删除）";
        BREAK_HEAD_MISMATCH = "the chain's head does not match the last event", "链头与最后一个事件不符";
        // The search.
        SEARCH_THE_TRAIL = "Search the audit trail", "搜索审计记录";
        ACTOR = "Actor", "操作人";
        ACTION = "Action", "操作";
        TARGET = "Target", "对象";
        TARGET_HINT = "As recorded, for example {} or {}.", "按记录的写法填写，例如 {} 或 {}。";
        FROM_DAY = "From", "起始日期";
        UNTIL_DAY = "Until", "截止日期";
        SEARCH = "Search", "搜索";
        // The events.
        NO_EVENTS = "No events match this search.", "没有符合此搜索条件的事件。";
        CAPTION = "Newest first. Times in {}.", "最新的在前。时间按 {} 时区显示。";
        ADDRESS = "From", "来源地址";
        DETAILS = "Details", "详情";
        RECORDED_DATA = "Recorded data", "原始记录数据";
        BEFORE = "before", "变更前";
        AFTER = "after", "变更后";
        BEFORE_MARK = "(before)", "（变更前）";
        LIST_SEPARATOR = ", ", "、";
        DOWNLOAD = "Download this search (CSV)", "下载此搜索结果（CSV）";
        PRIORITY_HIGH = "High", "高";
        PRIORITY_NORMAL = "Normal", "普通";
        // What details hold.
        KEY_OWNER = "Owner", "负责人";
        KEY_RESOLUTION = "Resolution", "解决方式";
        KEY_VERSION = "Version", "版本";
        KEY_RUN = "Run", "运行";
        KEY_REVERSED_BY = "Reversed by transaction", "冲销交易";
        KEY_BUSINESS_DAYS = "Service level (business days)", "服务时限（营业日）";
        KEY_PRIORITY = "Priority", "优先级";
        KEY_ROLES = "Roles", "角色";
        KEY_SUBJECT = "Identity", "身份标识";
        KEY_NEEDED = "Permission needed", "所需权限";
        KEY_FILTER = "Filter", "筛选条件";
        KEY_BYTES = "Size (bytes)", "大小（字节）";
        KEY_ROWS = "Rows", "行数";
        KEY_KIND = "Kind", "类型";
        KEY_FROM = "From account", "转出账户";
        KEY_TO = "To account", "转入账户";
        KEY_SUSPENSE = "Suspense account", "暂记账户";
        KEY_DESCRIPTION = "Description", "说明";
        KEY_APPROVALS_NEEDED = "Approvals needed", "所需审批数";
        KEY_WORK_ITEM = "Work item", "工作项";
        KEY_USD_VALUE = "Value in US dollars", "折合美元金额";
        KEY_DIFFERENCE_REASON = "Why the amount differs", "金额差异原因";
        KEY_EXPIRED = "Expired actions", "已过期的操作";
        KEY_APPROVED_BY = "Approved by", "审批人";
        KEY_TRANSACTION = "Transaction", "交易";
        KEY_LEDGER_ACTION = "Ledger action", "分类账操作";
        KEY_PROPOSAL = "Proposal", "提议";
        KEY_CODE = "Code", "代码";
        KEY_USD_PER_UNIT = "US dollars per unit", "每单位折合美元";
        KEY_REPLACED_BY = "Replaced by", "替换文件";
        KEY_REPLACEMENT_BYTES = "Replacement size (bytes)", "替换文件大小（字节）";
        KEY_REPLACEMENT_HASH = "Replacement checksum", "替换文件校验值";
        KEY_STRICT = "Strict reading", "严格解析";
        KEY_RECORDS = "Records", "记录数";
        KEY_UNREADABLE = "Unreadable records", "无法读取的记录数";
        KEY_PAYMENTS = "Payments", "付款笔数";
        KEY_ITEMS_CLOSED = "Work items closed", "已关闭的工作项";
        KEY_FILES_NOT_CLOSING = "Files whose totals do not close", "控制总数不平的文件数";
        KEY_TO_CURRENCY = "To currency", "目标币种";
        KEY_MID_RATE = "Mid rate", "中间汇率";
        KEY_SPREAD = "Spread (basis points)", "点差（基点）";
        KEY_FX_POSITION_FROM = "FX position (from)", "FX 头寸账户（转出）";
        KEY_FX_POSITION_TO = "FX position (to)", "FX 头寸账户（转入）";
        KEY_FX_GAIN = "FX gain and loss account", "FX 损益账户";
        KEY_CLASS = "Class", "类别";
    }
}

/// What the search refuses, in words.
#[cfg(feature = "ssr")]
mod refused {
    crate::texts! {
        BAD_FROM = "'{}' is not a date (YYYY-MM-DD) for 'from'.", "“{}”不是有效日期（YYYY-MM-DD），请检查“起始日期”。";
        BAD_UNTIL = "'{}' is not a date (YYYY-MM-DD) for 'until'.", "“{}”不是有效日期（YYYY-MM-DD），请检查“截止日期”。";
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn the_search_offers_every_action_the_domain_records() {
        let mut known: Vec<&str> = domain::audit::AuditAction::ALL.iter().map(|a| a.code()).collect();
        let mut offered = ACTIONS.to_vec();
        known.sort_unstable();
        offered.sort_unstable();
        assert_eq!(offered, known);
    }

    #[test]
    fn the_trail_in_chinese_leaves_no_english_outside_data() {
        use crate::pages::exceptions::tests::english_left;
        let owner = Owner::new();
        owner.set();
        provide_context(Locale::ZhCn);
        let accounts = std::collections::HashMap::from([(3, "visa_settlement".to_owned())]);
        let event = |seq, action: &str, before: Option<&str>, after: Option<&str>| AuditRow {
            seq,
            occurred_at: "2026-11-24 06:00 EST (UTC-05:00)".into(),
            actor: "vera".into(),
            action: action.into(),
            target: Some("page:/ledger".into()),
            address: Some("127.0.0.1".into()),
            session_ref: None,
            facts: details::facts(action, before, after, &accounts),
            before_state: before.map(str::to_owned),
            after_state: after.map(str::to_owned),
        };
        let page = AuditPage {
            rows: vec![
                event(9, "auth.login", None, Some(r#"{"roles":["viewer"],"subject":"vera"}"#)),
                event(8, "auth.access_denied", None, Some(r#"{"needed":"ViewLedger"}"#)),
                event(
                    7,
                    "work_item.resolve",
                    Some(r#"{"status":"in_progress","owner":"ava","resolution":null,"version":2}"#),
                    Some(
                        r#"{"state":{"status":"resolved","owner":"ava","resolution":"timing","version":3},"note":"Settles tomorrow"}"#,
                    ),
                ),
                event(
                    6,
                    "ledger.action_initiated",
                    None,
                    Some(
                        r#"{"request":{"kind":"write_off","from":3,"suspense":4,"amount":{"minor":1050,"currency":"USD"},"description":"Small difference"},"approvals_needed":1,"work_item":7,"usd_value_minor":1050}"#,
                    ),
                ),
                event(
                    5,
                    "recon.run_completed",
                    None,
                    Some(r#"{"records":10,"counts":{"match":7,"mismatch/amount_differs":3},"strict":true}"#),
                ),
                event(4, "work_item.escalate", None, Some(r#"{"priority":"high","someday":"x"}"#)),
            ],
            next_before: Some(4),
            previous_before: Some(None),
            time_zone: "America/New_York".into(),
        };
        let query = AuditQuery { action: Some("auth.login".into()), ..Default::default() };
        let html = view! { <AuditSearchForm query=query.clone()/><AuditTable page current=query/> }.to_html();
        assert_eq!(english_left(&html), Vec::<String>::new(), "{html}");
        assert!(html.contains(r#""roles":["viewer"]"#), "the data as recorded stays: {html}");
        for words in [
            "服务台",
            "处理中<!> → <!>已解决",
            "10.50 USD",
            "visa_settlement",
            "#4",
            "不匹配 · 金额不符",
            "高",
            "核销",
        ] {
            assert!(html.contains(words), "{words}: {html}");
        }
    }

    #[test]
    fn every_key_the_details_hold_has_words() {
        for key in [
            "status",
            "owner",
            "resolution",
            "version",
            "note",
            "run",
            "reversed_by",
            "business_days",
            "priority",
            "roles",
            "subject",
            "reason",
            "needed",
            "filter",
            "bytes",
            "rows",
            "kind",
            "amount",
            "from",
            "to",
            "description",
            "approvals_needed",
            "work_item",
            "usd_value_minor",
            "difference_reason",
            "expired",
            "approved_by",
            "transaction",
            "proposal",
            "code",
            "name",
            "currency",
            "usd_per_unit",
            "business_date",
            "day",
            "source",
            "object_key",
            "replaced_by",
            "replacement_bytes",
            "replacement_sha256",
            "strict",
            "records",
            "unreadable",
            "payments",
            "work_items_closed",
            "files_not_closing",
        ] {
            assert!(key_text(key).is_some(), "`{key}` has no words");
        }
    }
}
