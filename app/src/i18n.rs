//! The portal's languages: English, and Simplified Chinese.
//!
//! The server picks the language from the person's choice (a cookie set on the preferences page)
//! or else their browser's `Accept-Language`, writes it into `<html lang>`, and the hydrated page
//! reads it back from there, so both render the same words.
//!
//! Every visible text is a [`Text`] constant written with [`texts!`](crate::texts): it holds the
//! English and the Chinese side by side, so a text missing in either language does not compile, and
//! a name that is not in a catalogue does not compile either. Each page keeps its own catalogue
//! beside its view; words every page uses are in [`common`]. Texts with values in them mark each
//! value `{}` (in order) or `{0}`, `{1}` (when Chinese needs another order); [`Locale::f`] fills them.

use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locale {
    #[default]
    En,
    ZhCn,
}

/// The cookie that holds a person's choice of language.
pub const LANGUAGE_COOKIE: &str = "sd_lang";

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::En, Locale::ZhCn];

    /// The BCP 47 tag, as in `<html lang>` and the cookie.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::ZhCn => "zh-CN",
        }
    }

    /// The language's name in itself, for the picker.
    pub fn name(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::ZhCn => "简体中文",
        }
    }

    pub fn from_tag(tag: &str) -> Option<Locale> {
        let tag = tag.trim().to_ascii_lowercase();
        if tag == "en" || tag.starts_with("en-") {
            Some(Locale::En)
        } else if tag == "zh"
            || tag == "zh-cn"
            || tag == "zh-hans"
            || tag.starts_with("zh-hans-")
            || tag == "zh-sg"
        {
            Some(Locale::ZhCn)
        } else {
            None
        }
    }

    /// The best supported language of an `Accept-Language` header (highest quality first; English
    /// when none is supported).
    pub fn negotiate(header: &str) -> Locale {
        let mut offers: Vec<(f32, Locale)> = header
            .split(',')
            .filter_map(|part| {
                let mut pieces = part.split(';');
                let locale = Locale::from_tag(pieces.next()?)?;
                let quality = pieces
                    .find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok()))
                    .unwrap_or(1.0);
                Some((quality, locale))
            })
            .collect();
        offers.sort_by(|a, b| b.0.total_cmp(&a.0));
        offers.first().map(|(_, l)| *l).unwrap_or_default()
    }

    /// `text` in this language.
    pub fn t(self, text: Text) -> &'static str {
        match self {
            Locale::En => text.en,
            Locale::ZhCn => text.zh,
        }
    }

    /// `text` in this language with its placeholders filled: `{}` takes the next value, `{n}` the
    /// n-th (from 0). A placeholder without a value is left as it is written.
    pub fn f(self, text: Text, values: &[&dyn std::fmt::Display]) -> String {
        fill(self.t(text), values)
    }

    /// `text` in this language (the old catalogue, looked up by English; going away).
    pub fn tr(self, text: &'static str) -> &'static str {
        match self {
            Locale::En => text,
            Locale::ZhCn => ZH_CN.iter().find(|(en, _)| *en == text).map(|(_, zh)| *zh).unwrap_or(text),
        }
    }
}

/// One text in every language the portal speaks. Write them with [`texts!`](crate::texts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Text {
    pub en: &'static str,
    pub zh: &'static str,
}

/// Declares a catalogue: `NAME = "English", "中文";` per text. Each becomes a `pub const NAME: Text`,
/// and a unit test checks the catalogue (both languages written, the same placeholders in each, the
/// Chinese really Chinese).
#[macro_export]
macro_rules! texts {
    ($($(#[$meta:meta])* $name:ident = $en:literal, $zh:literal;)*) => {
        $($(#[$meta])* pub const $name: $crate::i18n::Text = $crate::i18n::Text { en: $en, zh: $zh };)*

        #[cfg(test)]
        #[test]
        fn every_text_is_written_in_both_languages() {
            $crate::i18n::check_catalogue(&[$((stringify!($name), $name)),*]);
        }
    };
}

fn fill(template: &str, values: &[&dyn std::fmt::Display]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut next = 0;
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let inside = &after[..close];
        let index = if inside.is_empty() {
            next += 1;
            Some(next - 1)
        } else {
            inside.parse::<usize>().ok()
        };
        match index.and_then(|i| values.get(i)) {
            Some(value) => out.push_str(&value.to_string()),
            None => out.push_str(&rest[open..open + close + 2]),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// The placeholders of a text, as positions: `{}` counted in order, `{n}` as n.
fn placeholders(template: &str) -> Vec<usize> {
    let mut found = Vec::new();
    let mut next = 0;
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else { break };
        let inside = &rest[open + 1..open + close];
        if inside.is_empty() {
            found.push(next);
            next += 1;
        } else if let Ok(n) = inside.parse() {
            found.push(n);
        }
        rest = &rest[open + close + 1..];
    }
    found.sort_unstable();
    found
}

/// What every catalogue must satisfy; called by the test [`texts!`](crate::texts) writes.
pub fn check_catalogue(texts: &[(&str, Text)]) {
    let mut names = std::collections::BTreeSet::new();
    for (name, text) in texts {
        assert!(names.insert(*name), "{name} is declared twice");
        assert!(!text.en.trim().is_empty() && !text.zh.trim().is_empty(), "{name} is empty in a language");
        assert_eq!(
            placeholders(text.en),
            placeholders(text.zh),
            "{name}: the English and the Chinese must carry the same values"
        );
        let has_letters = text.en.chars().any(|c| c.is_ascii_alphabetic());
        let chinese = text.zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
        assert!(!has_letters || chinese, "{name}: the Chinese text {:?} is not Chinese", text.zh);
    }
}

/// Words and messages every page uses.
pub mod common {
    crate::texts! {
        LOADING = "Loading…", "加载中…";
        YES = "Yes", "是";
        NO = "No", "否";
        DATE = "Date", "日期";
        BUSINESS_DATE = "Business date", "营业日";
        CURRENCY = "Currency", "币种";
        AMOUNT = "Amount", "金额";
        STATUS = "Status", "状态";
        REASON = "Reason", "原因";
        SOURCE = "Source", "来源";
        FILE = "File", "文件";
        NAME = "Name", "名称";
        NOTE = "Note", "备注";
        NETWORK = "Network", "卡组织";
        ACCOUNT = "Account", "账户";
        WHEN = "When", "时间";
        WHO = "Who", "操作人";
        SHOW = "Show", "显示";
        SAVE = "Save", "保存";
        SAVED = "Saved.", "已保存。";
        CANCEL = "Cancel", "取消";
        REMOVE = "Remove", "移除";
        ALL = "All", "全部";
        ANY = "Any", "任意";
        NONE = "None", "无";
        NEXT_PAGE = "Next page", "下一页";
        PREVIOUS_PAGE = "Previous page", "上一页";
        FIRST_PAGE = "First page", "第一页";
        PAGES = "Pages", "分页";
        SHOWING_OF = "{}–{} of {}", "第 {}–{} 条，共 {} 条";
        NOTHING_YET = "Nothing yet.", "暂无内容。";
        CONFIRM = "Confirm", "确认";
        ARE_YOU_SURE = "Are you sure?", "确定吗？";
        ERROR_TITLE = "This part of the page could not be shown.", "此部分页面无法显示。";
        ERROR_UNAVAILABLE = "The database is not available right now. Please try again in a minute.", "数据库暂时不可用，请一分钟后重试。";
        ERROR_INTERNAL = "Something went wrong on our side. It has been logged; please try again.", "我们这边出了问题，已记录在案，请重试。";
        ERROR_COMMUNICATION = "SettleDesk could not be reached. Check your connection and try again.", "无法连接 SettleDesk，请检查网络连接后重试。";
        ERROR_UNAUTHENTICATED = "Your session has ended. Sign in again to continue.", "您的会话已结束，请重新登录后继续。";
        ERROR_FORBIDDEN = "You do not have permission to do that.", "您无权执行此操作。";
        ERROR_MALFORMED = "The form was incomplete or malformed. Please fill it in again.", "表单不完整或格式有误，请重新填写。";
    }
}

/// Simplified Chinese, by English wording.
const ZH_CN: &[(&str, &str)] = &[
    ("Dashboard", "仪表板"),
    ("Payment lookup", "付款查询"),
    ("Reports", "报表"),
    ("Exceptions", "异常"),
    ("Ledger", "分类账"),
    ("Audit", "审计"),
    ("Admin", "管理"),
    ("Items", "明细"),
    ("Item", "明细"),
    ("Work item", "工作项"),
    ("Account statement", "账户对账单"),
    ("Display preferences", "显示偏好"),
    ("Page not found", "找不到页面"),
    ("Sign out", "退出登录"),
    ("Skip to main content", "跳到主要内容"),
    ("Card settlement reconciliation", "银行卡清算对账"),
    ("Where today's settlement reconciliation stands.", "今日清算对账的进展。"),
    (
        "The daily match, mismatch and resettlement files of every business date, with their manifests. A re-run adds a version; earlier versions stay as they were.",
        "每个营业日的匹配、不匹配和重新结算文件及其清单。重新运行会新增一个版本，之前的版本保持不变。",
    ),
    (
        "Every classified record of a run. The filter is in the link: share it to show someone the same list.",
        "一次运行的全部已分类记录。筛选条件保存在链接中：分享链接即可让他人看到相同的列表。",
    ),
    (
        "Mismatches and resettlements to be worked, oldest first. Overdue items are past the service level of two business days.",
        "待处理的不匹配和重新结算项目，最早的在前。超过两个营业日服务时限的项目为逾期。",
    ),
    (
        "Find a customer's Zelle payment and what reconciliation made of it. Read-only; cards show their last four digits only.",
        "查找客户的 Zelle 付款及其对账结果。只读；银行卡仅显示后四位。",
    ),
    (
        "Times are stored in UTC and shown to you in the zone you choose here.",
        "时间以 UTC 存储，并按您在此选择的时区显示。",
    ),
    (
        "Every sign-in, view, download, action and change, in order. The record cannot be edited.",
        "按顺序记录每次登录、查看、下载、操作和更改。记录不可编辑。",
    ),
    ("The double-entry books behind every manual action.", "每项人工操作背后的复式记账。"),
    ("Feeds, runs and settings.", "数据文件、运行和设置。"),
    ("Language", "语言"),
    ("Show the portal in", "门户显示语言"),
    ("Use this language", "使用此语言"),
    ("Saved.", "已保存。"),
    // Control totals (dashboard) and unreadable records (item pages).
    ("Control totals", "控制总数"),
    ("Received", "已收到"),
    ("Late", "迟到"),
    ("Missing", "缺失"),
    ("Not due yet", "尚未到期"),
    ("Quarantined", "已隔离"),
    ("Unknown", "未知"),
    ("Not expected", "无需提供"),
    ("Feed problems this week", "本周数据文件问题"),
    ("Every file of the last week came on time.", "上周的每个文件都按时到达。"),
    // Feeds page.
    ("Feeds", "数据文件"),
    ("Every inbound file by date and source: when it arrived, what it held, and what became of it.", "按日期和来源列出每个入站文件：何时到达、包含什么、处理结果如何。"),
    ("Business date", "营业日"),
    ("Show", "显示"),
    ("Recent dates", "最近日期"),
    ("Source", "来源"),
    ("State", "状态"),
    ("Due", "应到时间"),
    ("Status", "处理状态"),
    ("Arrived", "到达时间"),
    ("First arrived", "首次到达"),
    ("Taken in", "接收时间"),
    ("Records", "记录数"),
    ("Files", "文件数"),
    ("Totals", "合计"),
    ("A copy of file", "重复于文件"),
    ("Replaced by", "已被替换为"),
    ("Corrected file", "更正后的文件"),
    ("Reason", "原因"),
    ("Release with this file", "用此文件释放"),
    ("No file has arrived for this date.", "此日期尚无文件到达。"),
    ("Re-runs asked for", "已申请的重新运行"),
    ("Reason for a re-run", "重新运行原因"),
    ("Run again", "重新运行"),
    ("Source sending nothing", "不发送文件的来源"),
    ("Mark not expected", "标记为无需提供"),
    ("Loaded", "已加载"),
    ("Loading", "加载中"),
    ("Duplicate", "重复"),
    ("Re-run asked for: a scheduler runs the date as a new version.", "已申请重新运行：调度程序将以新版本运行该日期。"),
    ("Marked as not expected.", "已标记为无需提供。"),
    ("Replacement stored: it is taken in within a minute, and the date is run again.", "替换文件已保存：将在一分钟内接收，并重新运行该日期。"),
    ("Give a reason of 5 to 500 characters.", "请填写 5 到 500 个字符的原因。"),
    ("This date has no files: there is nothing to run.", "此日期没有文件：无可运行。"),
    ("This date is still open: it is run after its cutoff.", "此日期尚未结束：将在截止时间后运行。"),
    ("A re-run of this date is already waiting.", "此日期的重新运行已在等待中。"),
    ("A source can be marked for dates within a month of today.", "只能标记今天前后一个月内的日期。"),
    ("A file of this source has arrived for this date.", "此来源在该日期的文件已到达。"),
    ("This source is already marked not expected on this date.", "此来源在该日期已标记为无需提供。"),
    ("This file is not quarantined.", "此文件未被隔离。"),
    ("This file was already released.", "此文件已被释放。"),
    ("Choose the corrected file to upload.", "请选择要上传的更正文件。"),
    ("This is the very file that was quarantined: correct it first.", "这正是被隔离的文件：请先更正。"),
    ("The upload was cut off or is larger than 512 MiB.", "上传被中断或超过 512 MiB。"),
    ("The date is not a date (YYYY-MM-DD).", "日期格式无效（YYYY-MM-DD）。"),
    ("Choose a source.", "请选择来源。"),
    ("These exact bytes were delivered before: a replacement must be a file not yet taken in.", "这些字节此前已送达：替换文件必须是尚未接收的文件。"),
    ("This date is more than a year back: it is not run again from the portal.", "此日期早于一年前：不能在门户中重新运行。"),
    ("The form was incomplete. Please fill it in again.", "表单不完整，请重新填写。"),
    ("The database is not available right now. Please try again in a minute.", "数据库暂时不可用，请一分钟后重试。"),
    // Bank holidays (admin).
    ("Bank holidays", "银行假日"),
    ("Not business days: SLA ages and grace periods do not count them. Weekends never count.", "非营业日：SLA 时长和宽限期不计入这些日子。周末从不计入。"),
    ("Date", "日期"),
    ("Name", "名称"),
    ("Set by", "设置人"),
    ("Holiday date", "假日日期"),
    ("Holiday name", "假日名称"),
    ("Remove", "移除"),
    ("Add holiday", "添加假日"),
    ("Holiday added.", "已添加假日。"),
    ("Holiday removed.", "已移除假日。"),
    ("Loading…", "加载中…"),
    ("Control totals per file and currency", "按文件和币种的控制总数"),
    ("This run read no network file.", "本次运行未读取任何卡组织文件。"),
    ("Every record of the day's network files is accounted for once.", "当日卡组织文件中的每条记录均已核算且仅核算一次。"),
    ("Network files whose control totals do not close:", "控制总数不平的卡组织文件数："),
    (
        "Records in each file = matched + mismatched + resettlement + unreadable + not Zelle (count · amount)",
        "每个文件的记录 = 匹配 + 不匹配 + 重新结算 + 无法读取 + 非 Zelle（笔数 · 金额）",
    ),
    ("File", "文件"),
    ("Currency", "币种"),
    ("In the file", "文件中"),
    ("Matched", "匹配"),
    ("Mismatched", "不匹配"),
    ("Resettlement", "重新结算"),
    ("Unreadable", "无法读取"),
    ("Not Zelle", "非 Zelle"),
    ("Closes", "是否平衡"),
    ("Yes", "是"),
    ("No", "否"),
    ("amount unreadable", "金额无法读取"),
    ("Quarantined: none of its records is in this run.", "已隔离：其记录均未纳入本次运行。"),
    ("Still loading: not in this run.", "仍在加载：未纳入本次运行。"),
    (
        "This network record could not be read, so it matched nothing. Its file still counts it: work it from the record below.",
        "此卡组织记录无法读取，因此未能匹配任何付款。其文件仍计入该记录：请根据下方记录处理。",
    ),
    ("Field", "字段"),
    ("Problem", "问题"),
    ("The record as it came (card number masked)", "原始记录（卡号已遮盖）"),
];

/// The language of the page being rendered.
pub fn use_locale() -> Locale {
    use_context::<Locale>().unwrap_or_default()
}

/// The request's language (server side): the person's choice, else their browser's.
#[cfg(feature = "ssr")]
pub fn request_locale() -> Locale {
    if let Some(chosen) = crate::request::cookie(LANGUAGE_COOKIE).and_then(|tag| Locale::from_tag(&tag)) {
        return chosen;
    }
    use_context::<http::request::Parts>()
        .and_then(|p| {
            p.headers.get(http::header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).map(Locale::negotiate)
        })
        .unwrap_or_default()
}

/// The language the server rendered the page in (browser side).
#[cfg(not(feature = "ssr"))]
pub fn request_locale() -> Locale {
    document()
        .document_element()
        .and_then(|html| html.get_attribute("lang"))
        .and_then(|tag| Locale::from_tag(&tag))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_browser_s_best_supported_language_wins() {
        assert_eq!(Locale::negotiate("zh-CN,zh;q=0.9,en;q=0.8"), Locale::ZhCn);
        assert_eq!(Locale::negotiate("fr-FR, en-GB;q=0.7, zh;q=0.5"), Locale::En);
        assert_eq!(Locale::negotiate("en;q=0.3, zh-Hans;q=0.8"), Locale::ZhCn);
        assert_eq!(Locale::negotiate("de, fr"), Locale::En);
        assert_eq!(Locale::negotiate(""), Locale::En);
    }

    #[test]
    fn values_fill_their_places_in_either_order() {
        let text = Text { en: "{} of {}", zh: "共 {1} 条中的第 {0} 条" };
        assert_eq!(Locale::En.f(text, &[&3, &10]), "3 of 10");
        assert_eq!(Locale::ZhCn.f(text, &[&3, &10]), "共 10 条中的第 3 条");
        assert_eq!(fill("{} and {}", &[&1]), "1 and {}");
        assert_eq!(fill("a { b", &[&1]), "a { b");
    }

    #[test]
    #[should_panic(expected = "same values")]
    fn a_translation_that_drops_a_value_is_refused() {
        check_catalogue(&[("X", Text { en: "{} files", zh: "文件" })]);
    }

    #[test]
    #[should_panic(expected = "not Chinese")]
    fn an_english_text_passed_off_as_chinese_is_refused() {
        check_catalogue(&[("X", Text { en: "Reports", zh: "Reports" })]);
    }

    #[test]
    fn untranslated_text_stays_english() {
        assert_eq!(Locale::ZhCn.tr("Reports"), "报表");
        assert_eq!(Locale::ZhCn.tr("Something new"), "Something new");
        assert_eq!(Locale::En.tr("Reports"), "Reports");
    }
}
