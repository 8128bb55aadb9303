//! The words for the codes the domain stores: classes, reasons, statuses, kinds, audit actions.
//! A page never shows a code itself; it asks here. A code without words (new in the database and
//! not yet here) is shown as "Other" with the code in brackets, never silently as if it were words,
//! and a unit test keeps every code the domain knows covered.

use crate::i18n::{Locale, Text};

/// The words for `code` of `kind`, in `locale`.
pub fn label(kind: Kind, code: &str, locale: Locale) -> String {
    match words(kind, code) {
        Some(text) => locale.t(text).to_owned(),
        None if code.is_empty() => String::new(),
        None => locale.f(text::OTHER, &[&code]),
    }
}

/// What sort of code it is (the same code can mean different things: `reversal` is a network
/// record kind and a ledger action kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An item's class: match, mismatch, resettlement.
    Class,
    /// Why an item is a mismatch or a resettlement.
    Reason,
    /// Where a work item stands.
    WorkStatus,
    /// How a work item was resolved.
    Resolution,
    /// How urgent a work item is.
    Priority,
    /// What a network record does to money.
    RecordKind,
    /// A Zelle payment's own status.
    PaymentStatus,
    /// Visa or Mastercard.
    Network,
    /// What a ledger action does.
    ActionKind,
    /// Where a ledger action stands.
    ActionStatus,
    /// Where a payout's payment instruction stands.
    PayoutStatus,
    /// A ledger account's kind.
    AccountKind,
    /// Where a source's file for a date stands.
    Arrival,
    /// What an audit event records.
    AuditAction,
    /// A SettleDesk role.
    Role,
}

fn words(kind: Kind, code: &str) -> Option<Text> {
    use text::*;
    Some(match (kind, code) {
        (Kind::Class, "match") => CLASS_MATCH,
        (Kind::Class, "mismatch") => CLASS_MISMATCH,
        (Kind::Class, "resettlement") => CLASS_RESETTLEMENT,
        (Kind::Class, "statement_break") => CLASS_STATEMENT_BREAK,
        (Kind::Reason, "statement_inconsistent") => REASON_STATEMENT_INCONSISTENT,
        (Kind::Reason, "opening_differs") => REASON_OPENING_DIFFERS,
        (Kind::Reason, "closing_differs") => REASON_CLOSING_DIFFERS,
        (Kind::Reason, "entry_unmatched") => REASON_ENTRY_UNMATCHED,
        (Kind::Reason, "entry_amount_differs") => REASON_ENTRY_AMOUNT_DIFFERS,
        (Kind::Reason, "payout_missing") => REASON_PAYOUT_MISSING,
        (Kind::Reason, "net_settlement_differs") => REASON_NET_SETTLEMENT_DIFFERS,
        (Kind::Reason, "amount_differs") => REASON_AMOUNT_DIFFERS,
        (Kind::Reason, "currency_differs") => REASON_CURRENCY_DIFFERS,
        (Kind::Reason, "network_only") => REASON_NETWORK_ONLY,
        (Kind::Reason, "duplicate_presentment") => REASON_DUPLICATE_PRESENTMENT,
        (Kind::Reason, "status_conflict") => REASON_STATUS_CONFLICT,
        (Kind::Reason, "zelle_only") => REASON_ZELLE_ONLY,
        (Kind::Reason, "unreadable_record") => REASON_UNREADABLE,
        (Kind::Reason, "chargeback") => REASON_CHARGEBACK,
        (Kind::Reason, "reversal") => REASON_REVERSAL,
        (Kind::Reason, "fee") => REASON_FEE,
        (Kind::Reason, "cross_currency") => REASON_CROSS_CURRENCY,
        (Kind::WorkStatus, "open") => WORK_OPEN,
        (Kind::WorkStatus, "in_progress") => WORK_IN_PROGRESS,
        (Kind::WorkStatus, "resolved") => WORK_RESOLVED,
        (Kind::Resolution, "corrected") => RESOLUTION_CORRECTED,
        (Kind::Resolution, "explained") => RESOLUTION_EXPLAINED,
        (Kind::Resolution, "timing") => RESOLUTION_TIMING,
        (Kind::Resolution, "duplicate") => RESOLUTION_DUPLICATE,
        (Kind::Resolution, "written_off") => RESOLUTION_WRITTEN_OFF,
        (Kind::Resolution, "matched_on_rerun") => RESOLUTION_MATCHED_ON_RERUN,
        (Kind::Priority, "high") => PRIORITY_HIGH,
        (Kind::Priority, "normal") => PRIORITY_NORMAL,
        (Kind::RecordKind, "presentment") => RECORD_PRESENTMENT,
        (Kind::RecordKind, "disbursement") => RECORD_DISBURSEMENT,
        (Kind::RecordKind, "reversal") => RECORD_REVERSAL,
        (Kind::RecordKind, "chargeback") => RECORD_CHARGEBACK,
        (Kind::RecordKind, "fee") => RECORD_FEE,
        (Kind::PaymentStatus, "completed") => PAYMENT_COMPLETED,
        (Kind::PaymentStatus, "pending") => PAYMENT_PENDING,
        (Kind::PaymentStatus, "failed") => PAYMENT_FAILED,
        (Kind::PaymentStatus, "reversed") => PAYMENT_REVERSED,
        (Kind::Network, "visa") => NETWORK_VISA,
        (Kind::Network, "mastercard") => NETWORK_MASTERCARD,
        (Kind::ActionKind, "transfer") => ACTION_TRANSFER,
        (Kind::ActionKind, "write_off") => ACTION_WRITE_OFF,
        (Kind::ActionKind, "reversal") => ACTION_REVERSAL,
        (Kind::ActionKind, "fx_transfer") => ACTION_FX_TRANSFER,
        (Kind::ActionKind, "payout") => ACTION_PAYOUT,
        (Kind::PayoutStatus, "queued") => PAYOUT_QUEUED,
        (Kind::PayoutStatus, "sent") => PAYOUT_SENT,
        (Kind::PayoutStatus, "pending") => PAYOUT_PENDING,
        (Kind::PayoutStatus, "settled") => PAYOUT_SETTLED,
        (Kind::PayoutStatus, "rejected") => PAYOUT_REJECTED,
        (Kind::ActionStatus, "pending") => ACTION_PENDING,
        (Kind::ActionStatus, "posted") => ACTION_POSTED,
        (Kind::ActionStatus, "reversed") => ACTION_REVERSED,
        (Kind::ActionStatus, "rejected") => ACTION_REJECTED,
        (Kind::ActionStatus, "expired") => ACTION_EXPIRED,
        (Kind::AccountKind, "asset") => ACCOUNT_ASSET,
        (Kind::AccountKind, "liability") => ACCOUNT_LIABILITY,
        (Kind::AccountKind, "income") => ACCOUNT_INCOME,
        (Kind::AccountKind, "expense") => ACCOUNT_EXPENSE,
        (Kind::Arrival, "received") => ARRIVAL_RECEIVED,
        (Kind::Arrival, "late") => ARRIVAL_LATE,
        (Kind::Arrival, "missing") => ARRIVAL_MISSING,
        (Kind::Arrival, "not_due_yet") => ARRIVAL_NOT_DUE_YET,
        (Kind::Arrival, "quarantined") => ARRIVAL_QUARANTINED,
        (Kind::Arrival, "not_expected") => ARRIVAL_NOT_EXPECTED,
        (Kind::Role, "viewer") => ROLE_VIEWER,
        (Kind::Role, "associate") => ROLE_ASSOCIATE,
        (Kind::Role, "approver") => ROLE_APPROVER,
        (Kind::Role, "admin") => ROLE_ADMIN,
        (Kind::AuditAction, code) => return audit_action(code),
        _ => return None,
    })
}

fn audit_action(code: &str) -> Option<Text> {
    use text::*;
    Some(match code {
        "auth.login" => AUDIT_LOGIN,
        "auth.login_failed" => AUDIT_LOGIN_FAILED,
        "auth.logout" => AUDIT_LOGOUT,
        "auth.access_denied" => AUDIT_ACCESS_DENIED,
        "report.download" => AUDIT_REPORT_DOWNLOADED,
        "customer_data.view" => AUDIT_CUSTOMER_DATA_VIEWED,
        "work_item.assign" => AUDIT_WORK_ITEM_ASSIGNED,
        "work_item.resolve" => AUDIT_WORK_ITEM_RESOLVED,
        "work_item.note" => AUDIT_WORK_ITEM_NOTED,
        "work_item.reopen" => AUDIT_WORK_ITEM_REOPENED,
        "work_item.escalate" => AUDIT_WORK_ITEM_ESCALATED,
        "admin.setting" => AUDIT_SETTING_CHANGED,
        "ledger.action_initiated" => AUDIT_ACTION_INITIATED,
        "ledger.action_approved" => AUDIT_ACTION_APPROVED,
        "ledger.action_rejected" => AUDIT_ACTION_REJECTED,
        "ledger.date_closed" => AUDIT_DATE_CLOSED,
        "ledger.close_proposed" => AUDIT_CLOSE_PROPOSED,
        "ledger.close_rejected" => AUDIT_CLOSE_REJECTED,
        "ledger.reference_rate_set" => AUDIT_REFERENCE_RATE_SET,
        "ledger.actions_expired" => AUDIT_ACTIONS_EXPIRED,
        "feed.file_loaded" => AUDIT_FEED_FILE_LOADED,
        "feed.file_quarantined" => AUDIT_FEED_FILE_QUARANTINED,
        "feed.file_released" => AUDIT_FEED_FILE_RELEASED,
        "feed.source_not_expected" => AUDIT_SOURCE_NOT_EXPECTED,
        "recon.run_completed" => AUDIT_RUN_COMPLETED,
        "recon.rerun_requested" => AUDIT_RERUN_REQUESTED,
        "list.export" => AUDIT_LIST_EXPORTED,
        "recon.items_retired" => AUDIT_RUN_ITEMS_RETIRED,
        "feed.rows_retired" => AUDIT_FEED_ROWS_RETIRED,
        "counterparty.proposed" => AUDIT_COUNTERPARTY_PROPOSED,
        "counterparty.approved" => AUDIT_COUNTERPARTY_APPROVED,
        "counterparty.rejected" => AUDIT_COUNTERPARTY_REJECTED,
        "payment.sent" => AUDIT_PAYMENT_SENT,
        "hub.file_applied" => AUDIT_HUB_FILE_APPLIED,
        "hub.file_quarantined" => AUDIT_HUB_FILE_QUARANTINED,
        _ => return None,
    })
}

mod text {
    crate::texts! {
        OTHER = "Other ({})", "其他（{}）";
        ROLE_VIEWER = "Help desk", "服务台";
        ROLE_ASSOCIATE = "Associate", "对账专员";
        ROLE_APPROVER = "Approver", "审批人";
        ROLE_ADMIN = "Administrator", "管理员";
        CLASS_MATCH = "Matched", "匹配";
        CLASS_MISMATCH = "Mismatch", "不匹配";
        CLASS_RESETTLEMENT = "Resettlement", "重新结算";
        CLASS_STATEMENT_BREAK = "Statement break", "对账单差异";
        REASON_STATEMENT_INCONSISTENT = "Statement does not add up", "对账单自身不平";
        REASON_OPENING_DIFFERS = "Opening balance differs from the ledger", "期初余额与分类账不符";
        REASON_CLOSING_DIFFERS = "Closing balance differs from the ledger", "期末余额与分类账不符";
        REASON_ENTRY_UNMATCHED = "Statement entry without a payout", "对账单分录无对应付款";
        REASON_ENTRY_AMOUNT_DIFFERS = "Statement entry of another amount", "对账单分录金额不符";
        REASON_PAYOUT_MISSING = "Settled payout missing from the statement", "已结算付款未见于对账单";
        REASON_NET_SETTLEMENT_DIFFERS = "Network net settlement differs", "卡组织净结算金额不符";
        REASON_AMOUNT_DIFFERS = "Amount differs", "金额不符";
        REASON_CURRENCY_DIFFERS = "Currency differs", "币种不符";
        REASON_NETWORK_ONLY = "Network record without a Zelle payment", "有卡组织记录但无 Zelle 付款";
        REASON_DUPLICATE_PRESENTMENT = "Presented twice", "重复请款";
        REASON_STATUS_CONFLICT = "Zelle failed or reversed, the network settled", "Zelle 失败或已冲正，但卡组织已清算";
        REASON_ZELLE_ONLY = "Zelle payment without a network record", "有 Zelle 付款但无卡组织记录";
        REASON_UNREADABLE = "Unreadable record", "无法读取的记录";
        REASON_CHARGEBACK = "Chargeback", "拒付";
        REASON_REVERSAL = "Reversal", "冲正";
        REASON_FEE = "Network fee", "卡组织费用";
        REASON_CROSS_CURRENCY = "Settled in another currency", "以其他币种清算";
        WORK_OPEN = "Open", "待处理";
        WORK_IN_PROGRESS = "In progress", "处理中";
        WORK_RESOLVED = "Resolved", "已解决";
        RESOLUTION_CORRECTED = "Corrected", "已更正";
        RESOLUTION_EXPLAINED = "Explained", "已说明";
        RESOLUTION_TIMING = "Timing difference", "时间差";
        RESOLUTION_DUPLICATE = "Duplicate", "重复";
        RESOLUTION_WRITTEN_OFF = "Written off", "已核销";
        RESOLUTION_MATCHED_ON_RERUN = "Matched on a re-run", "重新运行后已匹配";
        RECORD_PRESENTMENT = "Presentment", "请款";
        RECORD_DISBURSEMENT = "Disbursement", "出款";
        RECORD_REVERSAL = "Reversal", "冲正";
        RECORD_CHARGEBACK = "Chargeback", "拒付";
        RECORD_FEE = "Fee", "费用";
        PAYMENT_COMPLETED = "Completed", "已完成";
        PAYMENT_PENDING = "Pending", "待完成";
        PAYMENT_FAILED = "Failed", "失败";
        PAYMENT_REVERSED = "Reversed", "已冲正";
        NETWORK_VISA = "Visa", "Visa";
        NETWORK_MASTERCARD = "Mastercard", "万事达卡";
        PRIORITY_HIGH = "High", "高";
        PRIORITY_NORMAL = "Normal", "普通";
        ACTION_TRANSFER = "Transfer", "转账";
        ACTION_WRITE_OFF = "Write-off", "核销";
        ACTION_REVERSAL = "Reversal", "冲销";
        ACTION_FX_TRANSFER = "Cross-currency transfer", "跨币种转账";
        ACTION_PAYOUT = "Payout", "对外付款";
        PAYOUT_QUEUED = "waiting to be sent", "等待发送";
        PAYOUT_SENT = "sent to the payment hub", "已发送至支付枢纽";
        PAYOUT_PENDING = "accepted, not yet settled", "已受理，尚未结算";
        PAYOUT_SETTLED = "settled", "已结算";
        PAYOUT_REJECTED = "rejected by the payment hub", "被支付枢纽拒绝";
        ACTION_PENDING = "Waiting for approval", "待审批";
        ACTION_POSTED = "Posted", "已过账";
        ACTION_REVERSED = "Reversed", "已冲销";
        ACTION_REJECTED = "Rejected", "已拒绝";
        ACTION_EXPIRED = "Expired", "已过期";
        ACCOUNT_ASSET = "Asset", "资产";
        ACCOUNT_LIABILITY = "Liability", "负债";
        ACCOUNT_INCOME = "Income", "收入";
        ACCOUNT_EXPENSE = "Expense", "费用";
        ARRIVAL_RECEIVED = "Received", "已收到";
        ARRIVAL_LATE = "Late", "延迟到达";
        ARRIVAL_MISSING = "Missing", "缺失";
        ARRIVAL_NOT_DUE_YET = "Not due yet", "未到应到时间";
        ARRIVAL_QUARANTINED = "Quarantined", "已隔离";
        ARRIVAL_NOT_EXPECTED = "Not expected", "无需提供";
        AUDIT_LOGIN = "Signed in", "登录";
        AUDIT_LOGIN_FAILED = "Sign-in failed", "登录失败";
        AUDIT_LOGOUT = "Signed out", "退出登录";
        AUDIT_ACCESS_DENIED = "Refused access", "拒绝访问";
        AUDIT_REPORT_DOWNLOADED = "Downloaded a report", "下载报表";
        AUDIT_CUSTOMER_DATA_VIEWED = "Viewed customer data", "查看客户数据";
        AUDIT_WORK_ITEM_ASSIGNED = "Assigned a work item", "分配工作项";
        AUDIT_WORK_ITEM_RESOLVED = "Resolved a work item", "解决工作项";
        AUDIT_WORK_ITEM_NOTED = "Added a note", "添加备注";
        AUDIT_WORK_ITEM_REOPENED = "Reopened a work item", "重新打开工作项";
        AUDIT_WORK_ITEM_ESCALATED = "Escalated a work item", "升级工作项";
        AUDIT_SETTING_CHANGED = "Changed a setting", "更改设置";
        AUDIT_ACTION_INITIATED = "Started a ledger action", "发起分类账操作";
        AUDIT_ACTION_APPROVED = "Approved a ledger action", "批准分类账操作";
        AUDIT_ACTION_REJECTED = "Rejected a ledger action", "拒绝分类账操作";
        AUDIT_DATE_CLOSED = "Closed a ledger date", "关闭分类账日期";
        AUDIT_CLOSE_PROPOSED = "Proposed a day-end close", "提议日终关账";
        AUDIT_CLOSE_REJECTED = "Rejected a day-end close", "拒绝日终关账";
        AUDIT_REFERENCE_RATE_SET = "Set a reference rate", "设置参考汇率";
        AUDIT_ACTIONS_EXPIRED = "Expired waiting actions", "使待审批操作过期";
        AUDIT_FEED_FILE_LOADED = "Took in a feed file", "接收数据文件";
        AUDIT_FEED_FILE_QUARANTINED = "Quarantined a feed file", "隔离数据文件";
        AUDIT_FEED_FILE_RELEASED = "Released a feed file", "释放数据文件";
        AUDIT_SOURCE_NOT_EXPECTED = "Marked a source not expected", "标记来源无需提供";
        AUDIT_RUN_COMPLETED = "Completed a reconciliation run", "完成对账运行";
        AUDIT_RERUN_REQUESTED = "Asked for a re-run", "申请重新运行";
        AUDIT_LIST_EXPORTED = "Exported a list", "导出列表";
        AUDIT_RUN_ITEMS_RETIRED = "Retired a run's items (retention)", "按保留期限清退运行明细";
        AUDIT_FEED_ROWS_RETIRED = "Retired a file's payments (retention)", "按保留期限清退文件付款记录";
        AUDIT_COUNTERPARTY_PROPOSED = "Proposed a counterparty change", "提议变更外部交易对手";
        AUDIT_COUNTERPARTY_APPROVED = "Approved a counterparty change", "批准外部交易对手变更";
        AUDIT_COUNTERPARTY_REJECTED = "Rejected a counterparty change", "驳回外部交易对手变更";
        AUDIT_PAYMENT_SENT = "Sent payment instructions to the hub", "向支付枢纽发送付款指令";
        AUDIT_HUB_FILE_APPLIED = "Applied a payment status report", "应用付款状态报告";
        AUDIT_HUB_FILE_QUARANTINED = "Quarantined a file from the payment hub", "隔离来自支付枢纽的文件";
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    fn covered(kind: Kind, code: &str) {
        assert!(words(kind, code).is_some(), "{kind:?} `{code}` has no words");
    }

    #[test]
    fn every_code_the_domain_knows_has_words() {
        for action in domain::audit::AuditAction::ALL {
            covered(Kind::AuditAction, action.code());
        }
        for role in domain::access::Role::ALL {
            covered(Kind::Role, role.code());
        }
        for status in domain::exceptions::Status::ALL {
            covered(Kind::WorkStatus, status.code());
        }
        for resolution in domain::exceptions::Resolution::ALL {
            covered(Kind::Resolution, resolution.code());
        }
        // The values the work item table's CHECK allows (migration 0023).
        for priority in ["normal", "high"] {
            covered(Kind::Priority, priority);
        }
        for kind in domain::ledger::actions::ActionKind::ALL {
            covered(Kind::ActionKind, kind.code());
        }
        for status in domain::ledger::actions::ActionStatus::ALL {
            covered(Kind::ActionStatus, status.code());
        }
        for status in domain::payouts::InstructionStatus::ALL {
            covered(Kind::PayoutStatus, status.code());
        }
        for kind in domain::ledger::AccountKind::ALL {
            covered(Kind::AccountKind, kind.code());
        }
        for network in [domain::feeds::Network::Visa, domain::feeds::Network::Mastercard] {
            covered(Kind::Network, network.code());
        }
        use domain::recon::engine::{MismatchReason as M, ResettlementReason as R};
        for reason in
            [M::AmountDiffers, M::CurrencyDiffers, M::NetworkOnly, M::DuplicatePresentment, M::StatusConflict]
        {
            covered(Kind::Reason, domain::recon::report::mismatch_code(reason));
        }
        for reason in [R::Chargeback, R::Reversal, R::Fee, R::CrossCurrency] {
            covered(Kind::Reason, domain::recon::report::resettlement_code(reason));
        }
        covered(Kind::Reason, domain::recon::report::ZELLE_ONLY_CODE);
        covered(Kind::Class, "statement_break");
        for kind in domain::payouts::statements::Break::ALL {
            covered(Kind::Reason, kind.code());
        }
        covered(Kind::Reason, domain::recon::report::UNREADABLE_CODE);
        use domain::ingest::ArrivalState as A;
        for state in [A::Received, A::Late, A::Missing, A::NotDueYet, A::Quarantined, A::NotExpected] {
            covered(Kind::Arrival, state.code());
        }
    }

    #[test]
    fn an_unknown_code_is_shown_as_other_not_as_words() {
        assert_eq!(label(Kind::WorkStatus, "frozen", Locale::En), "Other (frozen)");
        assert_eq!(label(Kind::WorkStatus, "in_progress", Locale::ZhCn), "处理中");
    }
}
