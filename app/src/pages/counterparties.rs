//! Admin: the external counterparties payouts go to. Their bank details decide where money leaves
//! the bank to, so one admin proposes a counterparty, a change or its retirement, and it takes
//! effect only when another admin approves it (the domain refuses the proposer, and records both
//! in the audit trail). The approver sees the details proposed beside those in effect.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::i18n::{use_locale, Locale};
use crate::kit::{outcome, refusal_of, Confirm, Field, Loaded, TableWrap};
use crate::pages::exceptions::fill_views;

/// One version of a counterparty's details, as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetailsView {
    pub id: i64,
    pub version: i32,
    pub name: String,
    /// The IBAN or account number, whole: the approver must see what they approve.
    pub account: String,
    pub bic: Option<String>,
    pub aba: Option<String>,
    pub currency: String,
    pub active: bool,
    pub reason: String,
    pub proposed_by: String,
    pub decided_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounterpartyView {
    pub code: String,
    pub current: Option<DetailsView>,
    pub pending: Option<DetailsView>,
    /// Whether the person looking may decide the pending change (they did not propose it).
    pub can_decide: bool,
}

#[server(endpoint = "admin/counterparties")]
pub async fn counterparties() -> Result<Vec<CounterpartyView>, AppError> {
    let user = crate::auth::server::require(domain::access::Permission::Administer).await?;
    let state = crate::state::AppState::from_context()?;
    let me = user.actor();
    let view = |v: domain::payouts::counterparties::Version| DetailsView {
        id: v.id,
        version: v.version,
        name: v.details.name,
        account: match v.details.account {
            domain::iso20022::pain001::Account::Iban(iban) => iban,
            domain::iso20022::pain001::Account::Other(number) => number,
        },
        bic: v.details.agent.bic,
        aba: v.details.agent.aba,
        currency: v.details.currency.code().to_owned(),
        active: v.active,
        reason: v.reason,
        proposed_by: v.proposed_by,
        decided_by: v.decided_by,
    };
    Ok(domain::payouts::counterparties::standing(&state.pool)
        .await?
        .into_iter()
        .map(|s| CounterpartyView {
            can_decide: s.pending.as_ref().is_some_and(|p| p.decidable_by(&me)),
            code: s.code,
            current: s.current.map(view),
            pending: s.pending.map(view),
        })
        .collect())
}

/// The proposal form, field by field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalForm {
    pub code: String,
    pub name: String,
    pub account: String,
    pub bic: String,
    pub aba: String,
    pub currency: String,
    /// Present (checked): the proposal retires the counterparty.
    pub retire: Option<String>,
    pub reason: String,
}

/// Proposes a counterparty, new details for one, or its retirement.
#[server(endpoint = "admin/counterparties/propose")]
pub async fn propose_counterparty(form: ProposalForm) -> Result<String, AppError> {
    use domain::payouts::counterparties::{self, CounterpartyError as E, Field, Typed};
    let user = crate::auth::server::require(domain::access::Permission::Administer).await?;
    let state = crate::state::AppState::from_context()?;
    let beside = |e: E| {
        let field = match &e {
            E::Invalid { field, .. } => match field {
                Field::Code => "form[code]",
                Field::Name => "form[name]",
                Field::Iban | Field::AccountNumber => "form[account]",
                Field::Bic => "form[bic]",
                Field::Aba => "form[aba]",
                Field::Currency => "form[currency]",
                Field::Reason => "form[reason]",
            },
            E::AlreadyPending(_) | E::NothingToRetire(_) => "form[code]",
            _ => "",
        };
        AppError::from(e).beside(field)
    };
    let typed = Typed {
        code: &form.code,
        name: &form.name,
        account: &form.account,
        bic: &form.bic,
        aba: &form.aba,
        currency: &form.currency,
        active: form.retire.is_none(),
        reason: &form.reason,
    };
    let proposal = typed.proposal().map_err(beside)?;
    let version = counterparties::propose(&state.pool, &user.actor(), &proposal).await.map_err(beside)?;
    Ok(version.code)
}

#[server(endpoint = "admin/counterparties/decide")]
pub async fn decide_counterparty(id: i64, decision: String) -> Result<bool, AppError> {
    let user = crate::auth::server::require(domain::access::Permission::Administer).await?;
    let state = crate::state::AppState::from_context()?;
    let approve = match decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(AppError::refused_text(text::CHOOSE_DECISION, &[])),
    };
    domain::payouts::counterparties::decide(&state.pool, &user.actor(), id, approve).await?;
    Ok(approve)
}

/// The bank accounts whose statements are checked, and the ledger accounts they are.
#[server(endpoint = "admin/statement-accounts")]
pub async fn statement_accounts() -> Result<(Vec<(String, String)>, Vec<String>), AppError> {
    crate::auth::server::require(domain::access::Permission::Administer).await?;
    let state = crate::state::AppState::from_context()?;
    let mapped = domain::payouts::statements::mappings(&state.pool).await?;
    let codes = domain::ledger::accounts(&state.pool).await?.into_iter().map(|a| a.code).collect();
    Ok((mapped, codes))
}

/// Says which ledger account the bank's account `bank_account` is, in its statements.
#[server(endpoint = "admin/statement-accounts/map")]
pub async fn map_statement_account(bank_account: String, ledger_account: String) -> Result<(), AppError> {
    use domain::payouts::statements::MapError;
    let user = crate::auth::server::require(domain::access::Permission::Administer).await?;
    let state = crate::state::AppState::from_context()?;
    domain::payouts::statements::map_account(&state.pool, &user.actor(), &bank_account, &ledger_account)
        .await
        .map_err(|e| match e {
            MapError::BadBankAccount => {
                AppError::refused_text(text::BAD_BANK_ACCOUNT, &[]).beside("bank_account")
            }
            MapError::NoLedgerAccount(code) => {
                AppError::refused_text(text::NO_LEDGER_ACCOUNT, &[&code]).beside("ledger_account")
            }
            MapError::NotAnAsset(code) => {
                AppError::refused_text(text::NOT_AN_ASSET, &[&code]).beside("ledger_account")
            }
            MapError::Database(e) => AppError::database(&e),
        })
}

/// A value that is not words (a name, a number): marked so that no translator touches it.
fn data(value: impl ToString) -> AnyView {
    view! { <span translate="no">{value.to_string()}</span> }.into_any()
}

/// "GB29 NWBK …, BIC NWBKGB2L, USD": the details in one line, all data.
fn details_line(d: &DetailsView) -> String {
    let bank = [d.bic.as_ref().map(|b| format!("BIC {b}")), d.aba.as_ref().map(|a| format!("ABA {a}"))]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
    format!("{} · {} · {} · {}", d.name, d.account, bank, d.currency)
}

fn pending_cell(locale: Locale, c: &CounterpartyView, decide: ServerAction<DecideCounterparty>) -> AnyView {
    let Some(p) = c.pending.clone() else {
        return view! { <span class="muted">{locale.t(text::NOTHING_WAITING)}</span> }.into_any();
    };
    let what = if p.active { details_line(&p) } else { locale.t(text::RETIREMENT).to_owned() };
    let can_decide = c.can_decide;
    let id = p.id;
    view! {
        <p data-test="pending-change"><span translate="no">{what}</span></p>
        <p class="muted">{fill_views(locale.t(text::PROPOSED_BY), vec![data(p.proposed_by.clone())])}": "<span translate="no">{p.reason.clone()}</span></p>
        {(!can_decide).then(|| view! { <p class="muted" data-test="own-proposal">{locale.t(text::ANOTHER_ADMIN_DECIDES)}</p> })}
        {can_decide.then(|| view! {
            <ActionForm action=decide attr:class="inline-form">
                <input type="hidden" name="id" value=id/>
                <input type="hidden" name="decision" value="approve"/>
                <Confirm label=text::APPROVE confirm=text::YES_APPROVE primary=true test_id="approve-change">
                    <p>{locale.t(text::APPROVE_QUESTION)}</p>
                </Confirm>
            </ActionForm>
            <ActionForm action=decide attr:class="inline-form">
                <input type="hidden" name="id" value=id/>
                <input type="hidden" name="decision" value="reject"/>
                <Confirm label=text::REJECT confirm=text::YES_REJECT danger=true test_id="reject-change">
                    <p>{locale.t(text::REJECT_QUESTION)}</p>
                </Confirm>
            </ActionForm>
        })}
    }
    .into_any()
}

/// The counterparties with their changes waiting, and the form that proposes one.
#[component]
pub fn CounterpartyCards() -> impl IntoView {
    let locale = use_locale();
    let propose = ServerAction::<ProposeCounterparty>::new();
    let decide = ServerAction::<DecideCounterparty>::new();
    let proposed = crate::forms::successes(propose);
    let decided = crate::forms::successes(decide);
    let list = Resource::new(move || (proposed.get(), decided.get()), |_| counterparties());
    let refused = refusal_of(propose.value());
    view! {
        <section class="card" aria-labelledby="counterparties-heading">
            <h2 id="counterparties-heading">{locale.t(text::COUNTERPARTIES)}</h2>
            <p class="muted">{locale.t(text::COUNTERPARTIES_INTRO)}</p>
            {outcome(decide.value(), move |approved| {
                locale.t(if approved { text::CHANGE_APPROVED } else { text::CHANGE_REJECTED }).to_owned()
            })}
            <Loaded>
                {move || Suspend::new(async move {
                    list.await.map(|rows| {
                        let empty = rows.is_empty();
                        view! {
                            {empty.then(|| view! { <p class="muted">{locale.t(text::NO_COUNTERPARTIES)}</p> })}
                            <TableWrap label=locale.t(text::COUNTERPARTIES) hidden=empty>
                            <table class="data" data-test="counterparties">
                                <thead><tr>
                                    <th scope="col">{locale.t(text::CODE)}</th>
                                    <th scope="col">{locale.t(text::IN_EFFECT)}</th>
                                    <th scope="col">{locale.t(text::WAITING)}</th>
                                </tr></thead>
                                <tbody>
                                    {rows.into_iter().map(|c| {
                                        let current = match c.current.clone() {
                                            Some(d) if d.active => view! {
                                                <span translate="no">{details_line(&d)}</span>
                                                <br/><span class="muted">{fill_views(locale.t(text::VERSION_BY), vec![data(d.version), data(d.proposed_by.clone()), data(d.decided_by.clone().unwrap_or_default())])}</span>
                                            }.into_any(),
                                            Some(_) => view! { <span>{locale.t(text::RETIRED)}</span> }.into_any(),
                                            None => view! { <span class="muted">{locale.t(text::NOT_YET)}</span> }.into_any(),
                                        };
                                        let waiting = pending_cell(locale, &c, decide);
                                        view! {
                                            <tr data-counterparty=c.code.clone()>
                                                <td><code translate="no">{c.code.clone()}</code></td>
                                                <td>{current}</td>
                                                <td>{waiting}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                            </TableWrap>
                        }
                    })
                })}
            </Loaded>
        </section>
        <section class="card narrow" aria-labelledby="propose-heading">
            <h2 id="propose-heading">{locale.t(text::PROPOSE_HEADING)}</h2>
            <p class="muted">{locale.t(text::PROPOSE_INTRO)}</p>
            <ActionForm action=propose attr:class="form">
                <Field id="counterparty-code" name="form[code]" label=text::COUNTERPARTY_CODE refused>
                    <input id="counterparty-code" name="form[code]" required maxlength="40" aria-describedby="counterparty-code-hint counterparty-code-error"/>
                    <p class="hint" id="counterparty-code-hint">{locale.t(text::CODE_HINT)}" "<code translate="no">"VISA_SETTLEMENT"</code></p>
                </Field>
                <Field id="counterparty-name" name="form[name]" label=text::HOLDER refused>
                    <input id="counterparty-name" name="form[name]" required maxlength="140" aria-describedby="counterparty-name-hint counterparty-name-error"/>
                    <p class="hint" id="counterparty-name-hint">{locale.t(text::HOLDER_HINT)}</p>
                </Field>
                <Field id="counterparty-account" name="form[account]" label=text::ACCOUNT refused>
                    <input id="counterparty-account" name="form[account]" required maxlength="42" autocomplete="off" aria-describedby="counterparty-account-error"/>
                </Field>
                <Field id="counterparty-bic" name="form[bic]" label=text::BIC refused>
                    <input id="counterparty-bic" name="form[bic]" maxlength="11" autocomplete="off" aria-describedby="counterparty-bic-error"/>
                </Field>
                <Field id="counterparty-aba" name="form[aba]" label=text::ABA refused>
                    <input id="counterparty-aba" name="form[aba]" maxlength="9" inputmode="numeric" autocomplete="off" aria-describedby="counterparty-aba-error"/>
                </Field>
                <Field id="counterparty-currency" name="form[currency]" label=text::PAID_IN refused>
                    <select id="counterparty-currency" name="form[currency]" required aria-describedby="counterparty-currency-error">
                        <option value="" selected>{locale.t(text::CHOOSE)}</option>
                        {crate::pages::admin::CURRENCY_CODES.iter().map(|code| view! {
                            <option value=*code translate="no">{*code}</option>
                        }).collect_view()}
                    </select>
                </Field>
                <div class="field">
                    <label class="check"><input type="checkbox" name="form[retire]" value="yes"/>" "{locale.t(text::RETIRE)}</label>
                </div>
                <Field id="counterparty-reason" name="form[reason]" label=text::WHY refused>
                    <input id="counterparty-reason" name="form[reason]" required maxlength="500" aria-describedby="counterparty-reason-error"/>
                </Field>
                {outcome(propose.value(), move |code| locale.f(text::PROPOSED, &[&code]))}
                <div class="actions"><button type="submit" class="button primary">{locale.t(text::PROPOSE)}</button></div>
            </ActionForm>
        </section>
    }
}

/// Which bank account is which ledger account, for the statements (camt.053) the bank sends.
#[component]
pub fn StatementAccountsCard() -> impl IntoView {
    let locale = use_locale();
    let map = ServerAction::<MapStatementAccount>::new();
    let mapped = crate::forms::successes(map);
    let list = Resource::new(move || mapped.get(), |_| statement_accounts());
    let refused = refusal_of(map.value());
    view! {
        <section class="card narrow" aria-labelledby="statement-accounts-heading">
            <h2 id="statement-accounts-heading">{locale.t(text::STATEMENT_ACCOUNTS)}</h2>
            <p class="muted">{locale.t(text::STATEMENT_ACCOUNTS_INTRO)}</p>
            <Loaded>
                {move || Suspend::new(async move {
                    list.await.map(|(mapped, codes)| view! {
                        <ul data-test="statement-accounts">
                            {mapped.into_iter().map(|(bank, code)| view! {
                                <li><span translate="no">{bank}</span>" → "<code translate="no">{code}</code></li>
                            }).collect_view()}
                        </ul>
                        <ActionForm action=map attr:class="form">
                            <Field id="statement-bank-account" name="bank_account" label=text::BANK_ACCOUNT refused>
                                <input id="statement-bank-account" name="bank_account" required maxlength="42" autocomplete="off" aria-describedby="statement-bank-account-error"/>
                            </Field>
                            <Field id="statement-ledger-account" name="ledger_account" label=text::LEDGER_ACCOUNT refused>
                                <select id="statement-ledger-account" name="ledger_account" required aria-describedby="statement-ledger-account-error">
                                    <option value="">{locale.t(text::CHOOSE)}</option>
                                    {codes.into_iter().map(|code| view! {
                                        <option value=code.clone() translate="no">{code.clone()}</option>
                                    }).collect_view()}
                                </select>
                            </Field>
                            {outcome(map.value(), move |_| locale.t(text::MAPPED).to_owned())}
                            <div class="actions"><button type="submit" class="button primary">{locale.t(text::MAP)}</button></div>
                        </ActionForm>
                    })
                })}
            </Loaded>
        </section>
    }
}

// Refusals are written on the server only; the server build checks every text is used.
#[cfg_attr(not(feature = "ssr"), allow(dead_code))]
mod text {
    crate::texts! {
        COUNTERPARTIES = "Counterparties payouts go to", "对外付款的交易对手";
        STATEMENT_ACCOUNTS = "Accounts the bank's statements name", "银行对账单中的账户";
        STATEMENT_ACCOUNTS_INTRO = "Each statement (camt.053) names one of the bank's accounts; say which ledger account it is, so that its balances and entries are checked against the ledger. A statement of an account not listed here is quarantined.", "每份银行对账单对应银行的一个账户；请指明其对应的分类账账户，以便将余额和分录与分类账核对。未列于此处的账户的对账单将被隔离。";
        BANK_ACCOUNT = "The bank's account number", "银行账号";
        LEDGER_ACCOUNT = "Ledger account", "分类账账户";
        MAP = "Save", "保存";
        MAPPED = "Saved: its statements are checked against this ledger account.", "已保存：其对账单将与该分类账账户核对。";
        BAD_BANK_ACCOUNT = "An account number has 1 to 34 letters and digits.", "账号须为 1 到 34 个字母和数字。";
        NO_LEDGER_ACCOUNT = "There is no ledger account '{}'.", "没有分类账账户“{}”。";
        NOT_AN_ASSET = "{} is not an asset account: a bank's statement is of money the bank holds for us.", "{} 不是资产账户：银行对账单记录的是银行为我们持有的资金。";
        COUNTERPARTIES_INTRO = "Banks and networks outside the bank that a resettlement may be paid out to. A change takes effect only when another admin approves it; payouts started before it must be started again.", "可接收重新结算付款的外部银行和卡组织。变更须经另一位管理员批准后才生效；此前发起的付款须重新发起。";
        NO_COUNTERPARTIES = "No counterparty yet: payouts cannot be started until one is approved.", "尚无交易对手：须先批准一个交易对手，才能发起对外付款。";
        CODE = "Code", "代码";
        COUNTERPARTY_CODE = "Counterparty code", "交易对手代码";
        PAID_IN = "Currency it is paid in", "收款货币";
        IN_EFFECT = "In effect", "生效中";
        WAITING = "Waiting for another admin", "等待其他管理员审批";
        NOTHING_WAITING = "Nothing waiting", "无待审批变更";
        RETIRED = "Retired: nothing is paid to it", "已停用：不再向其付款";
        NOT_YET = "Not approved yet", "尚未批准";
        RETIREMENT = "Retire it: pay nothing more to it", "停用：不再向其付款";
        VERSION_BY = "version {}, proposed by {}, approved by {}", "第 {} 版，由 {} 提议，{} 批准";
        PROPOSED_BY = "Proposed by {}", "由 {} 提议";
        ANOTHER_ADMIN_DECIDES = "You proposed it: another admin decides.", "此变更由您提议：须由其他管理员审批。";
        APPROVE = "Approve", "批准";
        YES_APPROVE = "Yes, approve", "确认批准";
        REJECT = "Reject", "拒绝";
        YES_REJECT = "Yes, reject", "确认拒绝";
        APPROVE_QUESTION = "Approve these bank details? Payouts go to them from now on.", "批准这些银行信息？此后的付款将付至该账户。";
        REJECT_QUESTION = "Reject this change? The details in effect stay.", "拒绝此变更？现行银行信息保持不变。";
        CHANGE_APPROVED = "Change approved: payouts go to these details now.", "变更已批准：付款现付至这些银行信息。";
        CHANGE_REJECTED = "Change rejected.", "变更已拒绝。";
        CHOOSE_DECISION = "Choose approve or reject.", "请选择批准或拒绝。";
        PROPOSE_HEADING = "Propose a counterparty or a change", "提议交易对手或变更";
        PROPOSE_INTRO = "Institutions only (a network's or a bank's settlement account), never a customer. Another admin approves it before any payout goes to it.", "仅限机构（卡组织或银行的结算账户），不得为客户。须经另一位管理员批准后才可向其付款。";
        CODE_HINT = "Capitals, digits and underscores; an existing code proposes new details for it. For example", "大写字母、数字和下划线；填写已有代码即为提议变更其银行信息。例如";
        HOLDER = "Account holder", "账户持有人";
        HOLDER_HINT = "The institution, as its bank knows it.", "机构名称，与其开户银行登记的一致。";
        ACCOUNT = "IBAN or account number", "国际银行账号或账号";
        BIC = "BIC (optional with an ABA number)", "银行识别代码（有美国路由号码时可不填）";
        ABA = "ABA routing number (optional with a BIC)", "美国银行路由号码（有银行识别代码时可不填）";
        CHOOSE = "Choose…", "请选择…";
        RETIRE = "Retire this counterparty (pay nothing more to it)", "停用此交易对手（不再向其付款）";
        WHY = "Why", "原因";
        PROPOSE = "Propose", "提议";
        PROPOSED = "Change to {} proposed: another admin approves or rejects it.", "已提议对 {} 的变更：须由其他管理员批准或拒绝。";
    }
}
