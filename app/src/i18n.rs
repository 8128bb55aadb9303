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
        // Brand names are written as they are in Chinese too.
        const BRANDS: [&str; 3] = ["Visa", "Zelle", "SettleDesk"];
        let has_letters = text.en.chars().any(|c| c.is_ascii_alphabetic()) && !BRANDS.contains(&text.en);
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
        TABLE_OF = "{} (table)", "{}（表格）";
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

/// The language of the page being rendered.
pub fn use_locale() -> Locale {
    use_context::<Locale>().unwrap_or_default()
}

#[cfg(feature = "ssr")]
tokio::task_local! {
    /// The language of the request being answered, set by the server's outermost layer for the
    /// whole request: also for plain axum handlers (sign-in pages, exports), which have no Leptos
    /// context.
    pub static REQUEST_LOCALE: Locale;
}

/// The request's language (server side): as the server set it for the request, else read from
/// the request Leptos renders (see [`locale_of`]).
#[cfg(feature = "ssr")]
pub fn request_locale() -> Locale {
    if let Ok(set) = REQUEST_LOCALE.try_with(|locale| *locale) {
        return set;
    }
    use_context::<http::request::Parts>().map(|p| locale_of(&p.headers)).unwrap_or_default()
}

/// A request's language: the person's choice (the portal's cookie), else their browser's best
/// supported one.
#[cfg(feature = "ssr")]
pub fn locale_of(headers: &http::HeaderMap) -> Locale {
    let chosen = crate::request::cookies_named(headers, LANGUAGE_COOKIE).next().and_then(Locale::from_tag);
    chosen.unwrap_or_else(|| {
        (headers.get(http::header::ACCEPT_LANGUAGE))
            .and_then(|v| v.to_str().ok())
            .map(Locale::negotiate)
            .unwrap_or_default()
    })
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

    #[cfg(feature = "ssr")]
    #[test]
    fn the_language_cookie_outranks_the_browser() {
        let mut headers = http::HeaderMap::new();
        headers.insert(http::header::ACCEPT_LANGUAGE, "zh-CN,zh;q=0.9".parse().unwrap());
        assert_eq!(locale_of(&headers), Locale::ZhCn);
        headers.insert(http::header::COOKIE, "a=b; sd_lang=en".parse().unwrap());
        assert_eq!(locale_of(&headers), Locale::En);
    }

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
}
