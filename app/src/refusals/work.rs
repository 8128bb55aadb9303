//! Refusals of work on exceptions.

use domain::calendar::Tz;
use domain::exceptions::WorkError;

use crate::i18n::{common, Locale};
use crate::labels::{label, Kind};
use crate::preferences::viewer;

/// `e` in the person's words. A time in it is shown in the zone they chose, or else in UTC (with
/// its offset); [`work_in`] takes the zone when the caller knows it.
pub fn work(e: &WorkError, locale: Locale) -> String {
    let zone = crate::request::cookie(viewer::TIME_ZONE_COOKIE)
        .and_then(|name| domain::calendar::parse_time_zone(&name).ok())
        .unwrap_or(Tz::UTC);
    work_in(e, locale, zone)
}

/// `e` in the person's words, any time in it in `zone`.
pub fn work_in(e: &WorkError, locale: Locale, zone: Tz) -> String {
    match e {
        WorkError::NotFound(id) => locale.f(text::NOT_FOUND, &[id]),
        WorkError::Conflict { by, at, version } => {
            let at = viewer::format_instant(*at, zone);
            match by.as_deref().filter(|by| *by != domain::exceptions::SYSTEM) {
                Some(by) => locale.f(text::CONFLICT, &[&by, &at, version]),
                None => locale.f(text::CONFLICT_BY_SYSTEM, &[&at, version]),
            }
        }
        WorkError::AlreadyResolved => locale.t(text::ALREADY_RESOLVED).to_owned(),
        WorkError::NotYours(id) => locale.f(text::NOT_YOURS, &[id]),
        WorkError::MoneyNeedsAction(code) => {
            locale.f(text::MONEY_NEEDS_ACTION, &[&label(Kind::Resolution, code, locale)])
        }
        WorkError::NothingChosen => locale.t(text::NOTHING_CHOSEN).to_owned(),
        WorkError::OnlySupervisorAssigns => locale.t(text::ONLY_SUPERVISOR_ASSIGNS).to_owned(),
        WorkError::NotAWorker => locale.t(text::NOT_A_WORKER).to_owned(),
        WorkError::EmptyNote => locale.t(text::EMPTY_NOTE).to_owned(),
        WorkError::NoteTooLong { chars, max } => locale.f(text::NOTE_TOO_LONG, &[max, chars]),
        WorkError::BadReasonCode => locale.t(text::BAD_REASON_CODE).to_owned(),
        WorkError::ServiceLevelOutOfRange { min, max } => locale.f(text::SERVICE_LEVEL_RANGE, &[min, max]),
        WorkError::UnknownStatus(code) => locale.f(text::UNKNOWN_STATUS, &[code]),
        WorkError::Database(_) => locale.t(common::ERROR_INTERNAL).to_owned(),
    }
}

mod text {
    crate::texts! {
        NOT_FOUND = "Work item {} does not exist.", "工作项 {} 不存在。";
        CONFLICT = "{} changed this item at {} (now version {}); reload it to see the change and try again.", "{0} 已于 {1} 修改了此项目（现为第 {2} 版）；请重新加载页面查看更改后再试。";
        CONFLICT_BY_SYSTEM = "The reconciliation run changed this item at {} (now version {}); reload it to see the change and try again.", "对账运行已于 {0} 修改了此项目（现为第 {1} 版）；请重新加载页面查看更改后再试。";
        ALREADY_RESOLVED = "This item is already resolved.", "此项目已解决。";
        NOT_YOURS = "Work item {} belongs to someone else; its owner or a supervisor changes it.", "工作项 {} 属于他人，只能由其负责人或主管更改。";
        MONEY_NEEDS_ACTION = "'{}' means money moved: it comes only from an approved transfer or write-off on the Ledger page.", "“{}”表示资金已划转：只能通过分类账页面上已批准的转账或核销来设定。";
        NOTHING_CHOSEN = "Choose at least one item first.", "请先至少选择一个项目。";
        ONLY_SUPERVISOR_ASSIGNS = "You assign items to yourself only: only a supervisor assigns items to someone else.", "您只能将项目分配给自己：只有主管才能将项目分配给他人。";
        NOT_A_WORKER = "That person does not work exceptions: choose someone who does.", "此人不处理异常，请选择处理异常的人员。";
        EMPTY_NOTE = "Write a note saying what was done.", "请填写备注，说明所做的处理。";
        NOTE_TOO_LONG = "A note has at most {} characters; this one has {}.", "备注最多 {0} 个字符，此备注有 {1} 个字符。";
        BAD_REASON_CODE = "A reason is a code like chargeback, or * for the default.", "原因须为代码（例如 chargeback），或以 * 表示默认值。";
        SERVICE_LEVEL_RANGE = "A service level is {} to {} business days.", "服务时限为 {} 到 {} 个营业日。";
        UNKNOWN_STATUS = "This work item has a status SettleDesk does not know ('{}'); ask an administrator.", "此工作项的状态（“{}”）无法识别，请联系管理员。";
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_conflict_names_who_and_when_in_the_person_s_zone_to_the_minute() {
        let at = chrono::Utc.with_ymd_and_hms(2026, 11, 23, 23, 5, 7).unwrap()
            + chrono::Duration::microseconds(123_456);
        let e = WorkError::Conflict { by: Some("sam".into()), at, version: 4 };
        let shanghai: Tz = "Asia/Shanghai".parse().unwrap();
        let en = work_in(&e, Locale::En, shanghai);
        assert!(en.starts_with("sam changed this item at 2026-11-24 07:05"), "{en}");
        assert!(en.contains("(UTC+08:00)") && !en.contains("123456") && !en.contains(":07"), "{en}");
        let by_run = WorkError::Conflict { by: None, at, version: 4 };
        assert!(work_in(&by_run, Locale::En, Tz::UTC).starts_with("The reconciliation run changed this item"));
        assert!(work_in(&e, Locale::ZhCn, shanghai).contains("第 4 版"));
    }

    #[test]
    fn the_specs_words_stay() {
        assert!(work_in(&WorkError::OnlySupervisorAssigns, Locale::En, Tz::UTC).contains("only a supervisor"));
        assert_eq!(
            work_in(&WorkError::MoneyNeedsAction("written_off"), Locale::En, Tz::UTC),
            "'Written off' means money moved: it comes only from an approved transfer or write-off on the Ledger page."
        );
    }
}
