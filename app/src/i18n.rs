//! The portal's languages: English, and Simplified Chinese.
//!
//! The server picks the language from the person's choice (a cookie set on the preferences page)
//! or else their browser's `Accept-Language`, writes it into `<html lang>`, and the hydrated page
//! reads it back from there, so both render the same words. Texts are looked up by their English
//! wording; a text without a translation shows in English rather than not at all.

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
    pub fn tr(self, text: &'static str) -> &'static str {
        match self {
            Locale::En => text,
            Locale::ZhCn => ZH_CN.iter().find(|(en, _)| *en == text).map(|(_, zh)| *zh).unwrap_or(text),
        }
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
    fn untranslated_text_stays_english() {
        assert_eq!(Locale::ZhCn.tr("Reports"), "报表");
        assert_eq!(Locale::ZhCn.tr("Something new"), "Something new");
        assert_eq!(Locale::En.tr("Reports"), "Reports");
    }
}
