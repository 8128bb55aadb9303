//! Refusals of ledger actions, limits, day-end close and templates.
//!
//! Every variant is matched by name (no catch-all), so a new refusal in the domain does not compile
//! until it has words here. Variants that wrap the database never reach a person (the callers in
//! `error.rs` log them and answer 503/500); they get a generic sentence only to keep the match whole.

use chrono::{DateTime, Utc};
use domain::calendar::Tz;
use domain::ledger::actions::ActionError;
use domain::ledger::close::CloseError;
use domain::ledger::limits::LimitError;
use domain::ledger::posting::LedgerError;
use domain::ledger::templates::TemplateError;
use domain::ledger::AccountError;
use domain::money::MoneyError;

use crate::i18n::{common, Locale};
use crate::labels::{label, Kind};

pub fn action(e: &ActionError, locale: Locale) -> String {
    use text::*;
    let f = |text, values: &[&dyn std::fmt::Display]| locale.f(text, values);
    match e {
        ActionError::OwnAction => f(OWN_ACTION, &[]),
        ActionError::AlreadyApproved => f(ALREADY_APPROVED, &[]),
        ActionError::NotPending(status) => {
            f(NOT_PENDING, &[&label(Kind::ActionStatus, status.code(), locale)])
        }
        ActionError::Expired(at) => expired(*at, viewer_zone(), locale),
        ActionError::NotFound(id) => f(ACTION_NOT_FOUND, &[id]),
        ActionError::Changed { id, version } => f(CHANGED, &[id, version]),
        ActionError::BatchChanged => f(BATCH_CHANGED, &[]),
        ActionError::KeyReused => f(KEY_REUSED, &[]),
        ActionError::ItemAlreadySettled(item) => f(ITEM_ALREADY_SETTLED, &[item]),
        ActionError::AlreadyReversed(transaction) => f(ALREADY_REVERSED, &[transaction]),
        ActionError::NoAccount(code) => f(NO_ACCOUNT, &[code]),
        ActionError::SameAccount => f(SAME_ACCOUNT, &[]),
        ActionError::UnknownCurrency(code) => f(UNKNOWN_CURRENCY, &[code]),
        ActionError::Money(e) => money(e, locale),
        ActionError::RateForOneCurrency(currency) => f(RATE_FOR_ONE_CURRENCY, &[currency]),
        ActionError::RateNeeded { from, from_currency, to, to_currency } => {
            f(RATE_NEEDED, &[from, from_currency, to, to_currency])
        }
        ActionError::NotARate(given) => f(NOT_A_RATE, &[given]),
        ActionError::NotASpread(given) => f(NOT_A_SPREAD, &[given]),
        ActionError::MissingAccount(code) => f(MISSING_ACCOUNT, &[code]),
        ActionError::BadRate => f(BAD_RATE, &[]),
        ActionError::SpreadTooWide => f(SPREAD_TOO_WIDE, &[]),
        ActionError::OneCurrency => f(ONE_CURRENCY, &[]),
        ActionError::RateTooLarge => f(RATE_TOO_LARGE, &[]),
        ActionError::ConvertedTooLarge => f(CONVERTED_TOO_LARGE, &[]),
        ActionError::ConvertsToNothing => f(CONVERTS_TO_NOTHING, &[]),
        ActionError::NotPositive => f(NOT_POSITIVE, &[]),
        ActionError::BadDescription => f(BAD_DESCRIPTION, &[]),
        ActionError::BadKey => f(BAD_KEY, &[]),
        ActionError::ReasonTooLong => f(REASON_TOO_LONG, &[]),
        ActionError::NoRejectReason => f(NO_REJECT_REASON, &[]),
        ActionError::OverLimit { usd_value_minor, max_usd_minor } => f(
            OVER_LIMIT,
            &[
                &domain::money::grouped_minor(*usd_value_minor, "USD"),
                &domain::money::grouped_minor(*max_usd_minor, "USD"),
            ],
        ),
        ActionError::NoTransaction(transaction) => f(NO_TRANSACTION, &[transaction]),
        ActionError::ReversalOfReversal { transaction, original } => {
            f(REVERSAL_OF_REVERSAL, &[transaction, original])
        }
        ActionError::ReversalWaiting { action, transaction } => f(REVERSAL_WAITING, &[action, transaction]),
        ActionError::NoWorkItem(item) => f(NO_WORK_ITEM, &[item]),
        ActionError::ItemResolved(item) => f(ITEM_RESOLVED, &[item]),
        ActionError::NotSettledBy { class, reason, kind } => f(
            NOT_SETTLED_BY,
            &[
                &label(Kind::Class, class, locale),
                &label(Kind::Reason, reason, locale),
                &label(Kind::ActionKind, kind.code(), locale),
            ],
        ),
        ActionError::AmountDiffers { item, item_amount, amount } => {
            f(AMOUNT_DIFFERS, &[item, item_amount, amount])
        }
        ActionError::ItemResolvedSince(item) => f(ITEM_RESOLVED_SINCE, &[item]),
        ActionError::ItemReclassified { item, class, kind } => f(
            ITEM_RECLASSIFIED,
            &[item, &label(Kind::Class, class, locale), &label(Kind::ActionKind, kind.code(), locale)],
        ),
        ActionError::NothingReviewed(date) => f(NOTHING_REVIEWED, &[date]),
        ActionError::NoCounterparty(code) => f(NO_COUNTERPARTY, &[code]),
        ActionError::PayoutAcrossCurrencies => f(PAYOUT_ACROSS_CURRENCIES, &[]),
        ActionError::CounterpartyCurrency { code, holds, payout } => {
            f(COUNTERPARTY_CURRENCY, &[code, holds, payout])
        }
        ActionError::OwnCounterparty(code) => f(OWN_COUNTERPARTY, &[code]),
        ActionError::CounterpartyChanged(code) => f(COUNTERPARTY_CHANGED, &[code]),
        ActionError::PayoutNotReversible(transaction) => f(PAYOUT_NOT_REVERSIBLE, &[transaction]),
        ActionError::InTransitAccount(code) => f(IN_TRANSIT_ACCOUNT, &[code]),
        ActionError::Payment(_) => f(PAYMENT_REFUSED, &[]),
        ActionError::Limit(e) => limit(e, locale),
        ActionError::Ledger(e) => ledger(e, locale),
        ActionError::Unreadable(_) | ActionError::Database(_) => locale.t(common::ERROR_INTERNAL).to_owned(),
    }
}

/// "This action expired at …": the instant as the person reads times, in `zone`.
pub fn expired(at: DateTime<Utc>, zone: Tz, locale: Locale) -> String {
    locale.f(text::EXPIRED, &[&crate::preferences::viewer::format_instant(at, zone)])
}

/// The zone the person chose, when no database is at hand (server functions that can refuse with an
/// instant pass the zone to [`expired`] themselves); UTC, with its offset shown, otherwise.
fn viewer_zone() -> Tz {
    crate::request::cookie(crate::preferences::viewer::TIME_ZONE_COOKIE)
        .and_then(|name| domain::calendar::parse_time_zone(&name).ok())
        .unwrap_or(Tz::UTC)
}

pub fn ledger(e: &LedgerError, locale: Locale) -> String {
    use text::*;
    let f = |text, values: &[&dyn std::fmt::Display]| locale.f(text, values);
    match e {
        LedgerError::TooFewPostings => f(TOO_FEW_POSTINGS, &[]),
        LedgerError::ZeroPosting => f(ZERO_POSTING, &[]),
        LedgerError::Unbalanced { currency, net } => f(UNBALANCED, &[currency, net]),
        LedgerError::UnknownAccount(id) => f(UNKNOWN_ACCOUNT_ID, &[id]),
        LedgerError::WrongCurrency { account, holds, given } => f(WRONG_CURRENCY, &[account, holds, given]),
        LedgerError::SelfApproval => f(SELF_APPROVAL, &[]),
        LedgerError::DateClosed { date, first_open } => f(DATE_CLOSED, &[date, first_open]),
        LedgerError::KeyReused => f(LEDGER_KEY_REUSED, &[]),
        LedgerError::BadKey => f(LEDGER_BAD_KEY, &[]),
        LedgerError::BadDescription => f(LEDGER_BAD_DESCRIPTION, &[]),
        LedgerError::EndOfCalendar(date) => f(END_OF_CALENDAR, &[date]),
        LedgerError::Overflow => f(LEDGER_OVERFLOW, &[]),
        LedgerError::Database(_) => locale.t(common::ERROR_INTERNAL).to_owned(),
    }
}

pub fn money(e: &MoneyError, locale: Locale) -> String {
    use text::*;
    match e {
        MoneyError::TooPrecise { amount, currency, places } => {
            locale.f(TOO_PRECISE, &[amount, currency, places])
        }
        MoneyError::OutOfRange { amount, currency } => locale.f(OUT_OF_RANGE, &[amount, currency]),
        MoneyError::CurrencyMismatch { left, right } => locale.f(CURRENCY_MISMATCH, &[left, right]),
        MoneyError::NotPlain(given) => locale.f(NOT_PLAIN, &[given]),
    }
}

pub fn limit(e: &LimitError, locale: Locale) -> String {
    use text::*;
    match e {
        LimitError::NoRate(currency) => locale.f(NO_RATE, &[currency]),
        LimitError::RateOutsideBand { given, reference, band_bps } => {
            locale.f(RATE_OUTSIDE_BAND, &[given, band_bps, reference])
        }
        LimitError::BadRate => locale.t(BAD_REFERENCE_RATE).to_owned(),
        LimitError::UnknownCurrency(code) => locale.f(NOT_A_CURRENCY, &[code]),
        LimitError::Overflow => locale.t(VALUE_OVERFLOW).to_owned(),
        LimitError::Database(_) => locale.t(common::ERROR_INTERNAL).to_owned(),
    }
}

pub fn close(e: &CloseError, locale: Locale) -> String {
    use text::*;
    match e {
        CloseError::NotFirstOpen { given, first_open } => locale.f(NOT_FIRST_OPEN, &[first_open, given]),
        CloseError::NotEnded { date, today } => locale.f(NOT_ENDED, &[date, today]),
        CloseError::OwnProposal => locale.t(OWN_PROPOSAL).to_owned(),
        CloseError::AlreadyProposed(date) => locale.f(ALREADY_PROPOSED, &[date]),
        CloseError::NotPending => locale.t(PROPOSAL_DECIDED).to_owned(),
        CloseError::NotFound(id) => locale.f(PROPOSAL_NOT_FOUND, &[id]),
        CloseError::OutOfRange => locale.t(CLOSED_PAST_CALENDAR).to_owned(),
        CloseError::Database(_) => locale.t(common::ERROR_INTERNAL).to_owned(),
    }
}

pub fn account(e: &AccountError, locale: Locale) -> String {
    use text::*;
    match e {
        AccountError::BadCode => locale.t(BAD_ACCOUNT_CODE).to_owned(),
        AccountError::NoName => locale.t(NO_ACCOUNT_NAME).to_owned(),
        AccountError::UnknownKind(kind) => locale.f(CHOOSE_KIND, &[kind]),
        AccountError::NoCurrency => locale.t(CHOOSE_CURRENCY).to_owned(),
        AccountError::UnknownCurrency(code) => locale.f(ACCOUNT_NOT_A_CURRENCY, &[code]),
        AccountError::Exists(code) => locale.f(ACCOUNT_EXISTS, &[code]),
        AccountError::Database(_) => locale.t(common::ERROR_INTERNAL).to_owned(),
    }
}

pub fn template(e: &TemplateError, locale: Locale) -> String {
    use text::*;
    match e {
        TemplateError::UnknownAccount(code) => locale.f(TEMPLATE_UNKNOWN_ACCOUNT, &[code]),
        TemplateError::SameAccount => locale.t(TEMPLATE_SAME_ACCOUNT).to_owned(),
        TemplateError::BadKey => locale.t(TEMPLATE_BAD_KEY).to_owned(),
        TemplateError::BadDescription => locale.t(TEMPLATE_BAD_DESCRIPTION).to_owned(),
        TemplateError::Database(_) => locale.t(common::ERROR_INTERNAL).to_owned(),
    }
}

pub fn counterparty(e: &domain::payouts::counterparties::CounterpartyError, locale: Locale) -> String {
    use domain::payouts::counterparties::{CounterpartyError as E, Field};
    use text::*;
    let t = |text| locale.t(text).to_owned();
    match e {
        E::Invalid { field, .. } => t(match field {
            Field::Code => COUNTERPARTY_BAD_CODE,
            Field::Name => COUNTERPARTY_BAD_NAME,
            Field::Iban => COUNTERPARTY_BAD_IBAN,
            Field::AccountNumber => COUNTERPARTY_BAD_ACCOUNT,
            Field::Bic => COUNTERPARTY_BAD_BIC,
            Field::Aba => COUNTERPARTY_BAD_ABA,
            Field::Currency => COUNTERPARTY_BAD_CURRENCY,
            Field::Reason => COUNTERPARTY_BAD_REASON,
        }),
        E::AlreadyPending(code) => locale.f(COUNTERPARTY_ALREADY_PENDING, &[code]),
        E::NothingChanged => t(COUNTERPARTY_NOTHING_CHANGED),
        E::NothingToRetire(code) => locale.f(COUNTERPARTY_NOTHING_TO_RETIRE, &[code]),
        E::OwnProposal => t(COUNTERPARTY_OWN_PROPOSAL),
        E::NotPending => t(COUNTERPARTY_NOT_PENDING),
        E::NotFound(id) => locale.f(COUNTERPARTY_NOT_FOUND, &[id]),
        E::Database(_) => t(common::ERROR_INTERNAL),
    }
}

mod text {
    crate::texts! {
        // Counterparties.
        COUNTERPARTY_BAD_CODE = "A code has 2 to 40 capitals, digits and underscores, starting with a capital, for example VISA_SETTLEMENT.", "代码须为 2 到 40 个大写字母、数字或下划线，并以大写字母开头。";
        COUNTERPARTY_BAD_NAME = "Give the account holder's name: 1 to 140 characters on one line.", "请填写账户持有人名称：1 到 140 个字符，单行。";
        COUNTERPARTY_BAD_IBAN = "This is not an IBAN: its check digits are wrong.", "这不是有效的国际银行账号：校验位不正确。";
        COUNTERPARTY_BAD_ACCOUNT = "An account number has 1 to 34 letters and digits.", "账号须为 1 到 34 个字母和数字。";
        COUNTERPARTY_BAD_BIC = "Give the bank's BIC (8 or 11 letters and digits) or its ABA routing number.", "请填写银行识别代码（8 或 11 位字母和数字）或美国银行路由号码。";
        COUNTERPARTY_BAD_ABA = "This is not an ABA routing number: 9 digits whose check digit is right.", "这不是有效的美国银行路由号码：须为 9 位数字且校验位正确。";
        COUNTERPARTY_BAD_CURRENCY = "Choose the currency the account is paid in.", "请选择该账户的收款货币。";
        COUNTERPARTY_BAD_REASON = "Say why (1 to 500 characters): the admin who decides reads it.", "请说明原因（1 到 500 个字符）：审批的管理员会阅读。";
        COUNTERPARTY_ALREADY_PENDING = "A change to {} is already waiting for another admin; it must be decided first.", "{} 已有一项变更在等待其他管理员审批，须先处理该变更。";
        COUNTERPARTY_NOTHING_CHANGED = "This changes nothing: it is what was approved.", "没有任何变更：与已批准的内容相同。";
        COUNTERPARTY_NOTHING_TO_RETIRE = "There is no approved counterparty {} to retire.", "没有可停用的已批准交易对手 {}。";
        COUNTERPARTY_OWN_PROPOSAL = "You proposed this change: another admin decides it.", "此变更由您提议：须由其他管理员审批。";
        COUNTERPARTY_NOT_PENDING = "This change was already decided.", "此变更已审批。";
        COUNTERPARTY_NOT_FOUND = "Counterparty change {} does not exist.", "交易对手变更 {} 不存在。";
        // Opening an account.
        BAD_ACCOUNT_CODE = "An account code has 1 to 64 letters, digits and _ . : -.", "账户代码须为 1 到 64 个字母、数字或 _ . : - 字符。";
        NO_ACCOUNT_NAME = "Give the account a name.", "请填写账户名称。";
        CHOOSE_KIND = "'{}' is not a kind of account: choose one from the list.", "“{}”不是账户类型，请从列表中选择。";
        CHOOSE_CURRENCY = "Choose the account's currency.", "请选择账户币种。";
        ACCOUNT_NOT_A_CURRENCY = "'{}' is not a currency SettleDesk settles in: choose one from the list.", "SettleDesk 不以“{}”结算，请从列表中选择币种。";
        ACCOUNT_EXISTS = "An account '{}' already exists.", "账户“{}”已存在。";
        // Ledger actions.
        OWN_ACTION = "The person who initiated an action cannot approve or reject it.", "操作的发起人不能批准或拒绝该操作。";
        ALREADY_APPROVED = "You have already approved this action; it needs another approver.", "您已批准此操作，还需要另一位审批人批准。";
        NOT_PENDING = "This action is no longer waiting for approval: {}.", "此操作已不在待审批状态：{}。";
        EXPIRED = "This action expired at {} without approval.", "此操作已于 {} 过期，未获批准。";
        ACTION_NOT_FOUND = "Action {} does not exist.", "操作 {} 不存在。";
        CHANGED = "Action {} changed since you saw it (now version {}); review it again.", "操作 {} 在您查看后已更改（现为第 {} 版），请重新审核。";
        BATCH_CHANGED = "The list of actions to release changed since you saw it; review it again.", "待释放的操作列表在您查看后已更改，请重新审核。";
        KEY_REUSED = "This form was already used for a different action; reload the page to start a new one.", "此表单已用于另一项操作，请重新加载页面后再发起新操作。";
        ITEM_ALREADY_SETTLED = "Work item {} already has an action posted or waiting; one exception moves money once.", "工作项 {} 已有已过账或待审批的操作；一个异常只能动用一次资金。";
        ALREADY_REVERSED = "Transaction {} was already reversed.", "交易 {} 已被冲销。";
        NO_ACCOUNT = "There is no account '{}'.", "没有账户“{}”。";
        SAME_ACCOUNT = "Choose two different accounts.", "请选择两个不同的账户。";
        UNKNOWN_CURRENCY = "Unknown currency {}.", "未知币种 {}。";
        RATE_FOR_ONE_CURRENCY = "Both accounts hold {}: leave the rate and spread empty.", "两个账户的币种均为 {}：请将汇率和点差留空。";
        RATE_NEEDED = "{} holds {} and {} holds {}: give the rate for a cross-currency transfer.", "{} 的币种为 {}，{} 的币种为 {}：跨币种转账请填写汇率。";
        NOT_A_RATE = "'{}' is not a rate: write it like 1.0850.", "“{}”不是有效的汇率，请按 1.0850 的格式填写。";
        NOT_A_SPREAD = "'{}' is not a spread in whole basis points.", "“{}”不是以整数基点表示的点差。";
        MISSING_ACCOUNT = "The chart of accounts has no '{}' account; an admin opens it on the Admin page.", "科目表中没有“{}”账户，请管理员在“管理”页面开立。";
        BAD_RATE = "The rate must be positive, with at most 10 decimal places.", "汇率必须为正数，最多 10 位小数。";
        SPREAD_TOO_WIDE = "The spread must be under 10,000 basis points.", "点差必须小于 10,000 个基点。";
        ONE_CURRENCY = "A cross-currency transfer needs two currencies.", "跨币种转账需要两种不同的币种。";
        RATE_TOO_LARGE = "The rate is too large.", "汇率过大。";
        CONVERTED_TOO_LARGE = "The amount at that rate is too large.", "按该汇率换算后的金额过大。";
        CONVERTS_TO_NOTHING = "The amount converts to nothing at that rate.", "按该汇率换算后金额为零。";
        NOT_POSITIVE = "The amount must be more than zero.", "金额必须大于零。";
        BAD_DESCRIPTION = "Say what the action is for (at most 500 characters).", "请说明操作用途（最多 500 个字符）。";
        BAD_KEY = "The form was damaged (idempotency key); reload the page.", "表单已损坏（幂等键），请重新加载页面。";
        REASON_TOO_LONG = "A reason has at most 500 characters.", "原因最多 500 个字符。";
        NO_REJECT_REASON = "Say why the action is rejected.", "请说明拒绝该操作的原因。";
        OVER_LIMIT = "This action is worth {} (by the reference rates), over the limit of {} for one action.", "按参考汇率计算，此操作价值 {}，超过单笔操作 {} 的上限。";
        NO_TRANSACTION = "Transaction {} does not exist.", "交易 {} 不存在。";
        REVERSAL_OF_REVERSAL = "Transaction {} is the reversal of {}; to move the money again, start a new transfer.", "交易 {} 是交易 {} 的冲销；如需再次划转资金，请发起新的转账。";
        REVERSAL_WAITING = "Action {}, a reversal of transaction {}, is already waiting for approval.", "操作 {}（交易 {} 的冲销）已在等待审批。";
        NO_WORK_ITEM = "Work item {} does not exist.", "工作项 {} 不存在。";
        ITEM_RESOLVED = "Work item {} is resolved; money moves only for open items.", "工作项 {} 已解决；只有未解决的工作项才能动用资金。";
        NOT_SETTLED_BY = "A work item of this kind ({}, {}) is not settled by this kind of action ({}).", "此类工作项（{}，{}）不能通过此类操作（{}）结算。";
        AMOUNT_DIFFERS = "Work item {} is for {}; to move {} instead, say why in the reason.", "工作项 {} 的金额为 {}；如要改为划转 {}，请在原因中说明理由。";
        ITEM_RESOLVED_SINCE = "Work item {} was resolved since this action was started; reject the action.", "工作项 {} 在此操作发起后已解决，请拒绝此操作。";
        ITEM_RECLASSIFIED = "Work item {} is now of another class ({}), which this kind of action ({}) does not settle; reject the action.", "工作项 {} 现已变为其他类别（{}），此类操作（{}）不能结算它，请拒绝此操作。";
        NOTHING_REVIEWED = "No resettlement action of {} was reviewed; review the list first.", "尚未审核 {} 的任何重新结算操作，请先审核列表。";
        // Payouts.
        NO_COUNTERPARTY = "There is no counterparty {} that payouts may go to (approved and active).", "没有可以接收付款的交易对手 {}（须已批准且有效）。";
        PAYOUT_ACROSS_CURRENCIES = "A payout moves money in one currency: choose two accounts in the same currency, without a rate.", "对外付款只能使用一种货币：请选择同一货币的两个账户，且不要填写汇率。";
        COUNTERPARTY_CURRENCY = "Counterparty {} is paid in {}, not {}.", "交易对手 {} 以 {} 收款，而不是 {}。";
        OWN_COUNTERPARTY = "You proposed or approved the bank details of counterparty {}: another person must pay out to it.", "您提议或批准了交易对手 {} 的银行信息：必须由其他人向其付款。";
        COUNTERPARTY_CHANGED = "The bank details of counterparty {} changed since this payout was started; reject it and start a new one.", "自此付款发起以来，交易对手 {} 的银行信息已变更；请拒绝此付款并重新发起。";
        PAYOUT_NOT_REVERSIBLE = "Transaction {} paid money out of the bank: only the payment hub's rejection undoes it, not a reversal.", "交易 {} 已将资金付出银行：只有支付枢纽的拒绝才能撤销它，不能冲正。";
        IN_TRANSIT_ACCOUNT = "{} holds payouts on their way out of the bank: only payouts and the payment hub's statuses move it.", "{} 记录正在付出银行的款项：只有对外付款和支付枢纽的状态可以变动它。";
        PAYMENT_REFUSED = "The payment hub would refuse this payment: an admin must correct the counterparty's bank details.", "支付枢纽会拒绝此付款：须由管理员更正交易对手的银行信息。";
        // Postings.
        TOO_FEW_POSTINGS = "A transaction needs at least two postings.", "一笔交易至少需要两条分录。";
        ZERO_POSTING = "A posting of zero moves nothing.", "金额为零的分录不会产生任何变动。";
        UNBALANCED = "The postings do not net to zero in {}: {} is left over.", "分录在 {} 中借贷不平衡：差额为 {}。";
        UNKNOWN_ACCOUNT_ID = "Account {} does not exist.", "账户 {} 不存在。";
        WRONG_CURRENCY = "Account {} holds {}, not {}.", "账户 {} 的币种为 {}，而非 {}。";
        SELF_APPROVAL = "The person who initiated a transaction cannot approve it.", "交易的发起人不能批准该交易。";
        DATE_CLOSED = "{} is closed for posting; the first open date is {}.", "{} 已关账，不能再过账；第一个开放日期为 {}。";
        LEDGER_KEY_REUSED = "The idempotency key was already used for a different transaction.", "该幂等键已用于另一笔交易。";
        LEDGER_BAD_KEY = "An idempotency key has 8 to 128 characters.", "幂等键须为 8 到 128 个字符。";
        LEDGER_BAD_DESCRIPTION = "A description has 1 to 500 characters.", "说明须为 1 到 500 个字符。";
        END_OF_CALENDAR = "The ledger is closed up to {}, the end of the calendar.", "分类账已关账至日历的最后一天 {}。";
        LEDGER_OVERFLOW = "An amount overflowed.", "金额超出可表示的范围。";
        // Amounts.
        TOO_PRECISE = "{} has more decimal places than {} allows ({}).", "{} 的小数位数超过了 {} 允许的位数（{} 位）。";
        OUT_OF_RANGE = "{} {} is too large.", "{} {} 过大。";
        CURRENCY_MISMATCH = "Cannot combine {} with {}.", "不能将 {} 与 {} 合并计算。";
        NOT_PLAIN = "'{}' is not an amount: write digits with at most one decimal point, like 1250.50.", "“{}”不是有效金额：请只填写数字，最多一个小数点，例如 1250.50。";
        // Limits and reference rates.
        NO_RATE = "There is no reference rate for {}: an admin sets it on the Admin page.", "{} 没有参考汇率：请管理员在“管理”页面设置。";
        RATE_OUTSIDE_BAND = "The rate {0} is outside the allowed band of {1} basis points around the reference rate {2}.", "汇率 {0} 超出了参考汇率 {2} 上下 {1} 个基点的允许范围。";
        BAD_REFERENCE_RATE = "A reference rate is a positive number with at most 10 decimal places, under 1,000,000.", "参考汇率须为小于 1,000,000 的正数，最多 10 位小数。";
        NOT_A_CURRENCY = "{} is not a currency.", "{} 不是有效的币种。";
        VALUE_OVERFLOW = "The value overflowed.", "数值超出可表示的范围。";
        // Day-end close.
        NOT_FIRST_OPEN = "Only the first open date, {}, can be closed next (not {}).", "下一个只能关闭第一个开放日期 {}（而不是 {}）。";
        NOT_ENDED = "{} has not ended yet: today's business date is {}.", "{} 尚未结束：今天的营业日是 {}。";
        OWN_PROPOSAL = "You proposed this close; another approver decides it.", "此关账由您提议，须由另一位审批人决定。";
        ALREADY_PROPOSED = "Closing {} is already proposed and waiting for another approver.", "关闭 {} 的提议已提交，正在等待另一位审批人。";
        PROPOSAL_DECIDED = "This proposal was already decided.", "此提议已有决定。";
        PROPOSAL_NOT_FOUND = "Close proposal {} does not exist.", "关账提议 {} 不存在。";
        CLOSED_PAST_CALENDAR = "The ledger's closed dates run past the end of the calendar.", "分类账的已关账日期超出了日历范围。";
        // Posting templates.
        TEMPLATE_UNKNOWN_ACCOUNT = "'{}' is not an account (use {network} for the item's network).", "“{}”不是账户（可用 {network} 代表工作项的卡组织）。";
        TEMPLATE_SAME_ACCOUNT = "A template moves money between two different accounts.", "模板须在两个不同的账户之间划转资金。";
        TEMPLATE_BAD_KEY = "The class is mismatch or resettlement, and the reason a code like chargeback.", "类别须为 mismatch 或 resettlement，原因须为类似 chargeback 的代码。";
        TEMPLATE_BAD_DESCRIPTION = "The description has 1 to 200 characters.", "说明须为 1 到 200 个字符。";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_expired_action_says_when_in_the_zone_with_its_offset_never_raw_utc() {
        let at: DateTime<Utc> = "2026-11-23T23:00:00.123456Z".parse().unwrap();
        let zone = domain::calendar::parse_time_zone("America/New_York").unwrap();
        let said = expired(at, zone, Locale::En);
        assert!(said.contains("2026-11-23 18:00") && said.contains("UTC-05:00"), "{said}");
        assert!(!said.contains(".123456") && !said.contains("23:00:00"), "{said}");
        assert!(Locale::ZhCn.f(text::EXPIRED, &[&"x"]).contains("过期"));
    }

    #[test]
    fn refusals_fill_their_values_in_each_language() {
        let differs = ActionError::AmountDiffers {
            item: 7,
            item_amount: "641.04 USD".into(),
            amount: "125.50 USD".into(),
        };
        let en = action(&differs, Locale::En);
        assert!(en.contains("say why in the reason") && en.contains("641.04 USD"), "{en}");
        let zh = action(&differs, Locale::ZhCn);
        assert!(zh.contains("125.50 USD") && zh.contains("原因"), "{zh}");
        let settled = ActionError::NotSettledBy {
            class: "resettlement".into(),
            reason: "chargeback".into(),
            kind: domain::ledger::actions::ActionKind::WriteOff,
        };
        assert!(!action(&settled, Locale::En).contains("write_off"), "codes are said in words");
        let band = LimitError::RateOutsideBand {
            given: "1.5".parse().unwrap(),
            reference: "1.08".parse().unwrap(),
            band_bps: 500,
        };
        assert_eq!(
            limit(&band, Locale::En),
            "The rate 1.5 is outside the allowed band of 500 basis points around the reference rate 1.08."
        );
        assert!(limit(&band, Locale::ZhCn).starts_with("汇率 1.5 超出了参考汇率 1.08 上下 500 个基点"));
        let template_refusal = template(&TemplateError::UnknownAccount("visa_x".into()), Locale::En);
        assert_eq!(template_refusal, "'visa_x' is not an account (use {network} for the item's network).");
    }

    #[test]
    fn a_database_failure_is_never_described() {
        let e = ActionError::Database(sqlx::Error::PoolTimedOut);
        assert_eq!(action(&e, Locale::En), common::ERROR_INTERNAL.en);
        let e = ActionError::Ledger(LedgerError::Database(sqlx::Error::PoolTimedOut));
        assert_eq!(action(&e, Locale::ZhCn), common::ERROR_INTERNAL.zh);
    }
}
