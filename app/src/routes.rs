//! Every address a signed-in person can reach, in one table: what it is called, whether the main
//! navigation shows it, and (on the server) the permission it needs.
//!
//! The router's `<Route>` list in `lib.rs` draws the pages; this table guards them (the server's
//! middleware asks [`server::permission_for`] before any page, download, export or form post runs)
//! and draws the navigation. A page routed but missing here is refused: the server will not start
//! with one (see `check_route_list`), and a path with no entry answers 404 without rendering.

use crate::i18n::Text;

/// One address, or a family of them (`:name` stands for one path segment).
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    pub path: &'static str,
    /// The page's title, also its label in the navigation.
    pub title: Text,
    /// Shown in the main navigation (to those who hold the permission).
    pub in_navigation: bool,
    /// Drawn by the router (a page) rather than answered by a plain handler (a download, an export,
    /// a form post that works without JavaScript).
    pub is_page: bool,
    #[cfg(feature = "ssr")]
    pub permission: domain::access::Permission,
}

mod titles {
    crate::texts! {
        DASHBOARD = "Dashboard", "仪表板";
        LOOKUP = "Payment lookup", "付款查询";
        REPORTS = "Reports", "报表";
        ITEMS = "Items", "明细";
        ITEM = "Item", "明细";
        EXCEPTIONS = "Exceptions", "异常";
        WORK_ITEM = "Work item", "工作项";
        FEEDS = "Feeds", "数据文件";
        LEDGER = "Ledger", "分类账";
        STATEMENT = "Account statement", "账户对账单";
        AUDIT = "Audit", "审计";
        ADMIN = "Admin", "管理";
        PREFERENCES = "Display preferences", "显示偏好";
        DOWNLOAD = "Report download", "报表下载";
        EXPORT = "List export", "列表导出";
        FEED_ACTION = "Feed action", "数据文件操作";
    }
}
pub use titles::*;

macro_rules! entry {
    ($path:literal, $title:expr, $permission:ident, nav) => {
        entry!(@ $path, $title, $permission, true, true)
    };
    ($path:literal, $title:expr, $permission:ident, page) => {
        entry!(@ $path, $title, $permission, false, true)
    };
    ($path:literal, $title:expr, $permission:ident, handler) => {
        entry!(@ $path, $title, $permission, false, false)
    };
    (@ $path:literal, $title:expr, $permission:ident, $nav:expr, $page:expr) => {
        Entry {
            path: $path,
            title: $title,
            in_navigation: $nav,
            is_page: $page,
            #[cfg(feature = "ssr")]
            permission: domain::access::Permission::$permission,
        }
    };
}

/// In navigation order.
pub const ROUTES: &[Entry] = &[
    entry!("/", DASHBOARD, ViewDashboard, nav),
    entry!("/lookup", LOOKUP, LookUpPayments, nav),
    entry!("/reports", REPORTS, ViewReports, nav),
    entry!("/reports/:date/items", ITEMS, ViewReports, page),
    entry!("/reports/:date/items/:seq", ITEM, ViewReports, page),
    entry!("/exceptions", EXCEPTIONS, WorkExceptions, nav),
    entry!("/exceptions/:id", WORK_ITEM, WorkExceptions, page),
    // Associates read the feeds; the actions on them check for admins themselves.
    entry!("/feeds", FEEDS, ViewReports, nav),
    entry!("/ledger", LEDGER, ViewLedger, nav),
    entry!("/ledger/accounts/:code", STATEMENT, ViewLedger, page),
    entry!("/audit", AUDIT, ViewAudit, nav),
    entry!("/admin", ADMIN, Administer, nav),
    entry!("/preferences", PREFERENCES, ViewDashboard, page),
    entry!("/download/reports/:date/:version/:name", DOWNLOAD, ViewReports, handler),
    // Each list checks its own page's permission as well.
    entry!("/export/:list", EXPORT, ViewDashboard, handler),
    // Only admins act on feeds (the handlers check again).
    entry!("/feeds/rerun", FEED_ACTION, Administer, handler),
    entry!("/feeds/not-expected", FEED_ACTION, Administer, handler),
    entry!("/feeds/release", FEED_ACTION, Administer, handler),
];

/// The entry whose path pattern `path` fits, segment by segment.
pub fn entry_for(path: &str) -> Option<&'static Entry> {
    let wanted: Vec<&str> = segments(path).collect();
    ROUTES.iter().find(|entry| {
        let pattern: Vec<&str> = segments(entry.path).collect();
        pattern.len() == wanted.len()
            && pattern.iter().zip(&wanted).all(|(p, w)| p.starts_with(':') && !w.is_empty() || p == w)
    })
}

fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.trim_end_matches('/').split('/').filter(|s| !s.is_empty())
}

#[cfg(feature = "ssr")]
pub mod server {
    use domain::access::Permission;

    use super::{entry_for, ROUTES};

    /// The permission `path` needs, or `None` when no entry has it (refused as not found).
    pub fn permission_for(path: &str) -> Option<Permission> {
        entry_for(path).map(|entry| entry.permission)
    }

    /// The permission a person needs even to be told that `path`, which has no entry, is not
    /// there: that of its section (the entry at its first segment), so that probing `/admin/…` or
    /// `/ledger/accounts` is refused and audited like the section itself; the dashboard's for
    /// addresses outside every section.
    pub fn section_permission(path: &str) -> Permission {
        let first = super::segments(path).next().unwrap_or_default();
        ROUTES
            .iter()
            .find(|entry| super::segments(entry.path).next() == Some(first))
            .map_or(Permission::ViewDashboard, |entry| entry.permission)
    }

    /// The navigation entries (by path) a person holding `can` may open.
    pub fn sections(can: impl Fn(Permission) -> bool) -> Vec<String> {
        ROUTES
            .iter()
            .filter(|entry| entry.in_navigation && can(entry.permission))
            .map(|entry| entry.path.to_owned())
            .collect()
    }

    /// The router's pages that have no entry here, and entries marked as pages the router does not
    /// draw: both must be empty (the server refuses to start otherwise).
    pub fn check_route_list(routed: &[String]) -> Result<(), String> {
        let normalise = |p: &str| {
            let p = p.trim_end_matches('/');
            if p.is_empty() {
                "/".to_owned()
            } else {
                p.to_owned()
            }
        };
        let routed: Vec<String> = routed.iter().map(|p| normalise(p)).collect();
        let unlisted: Vec<&String> =
            routed.iter().filter(|p| !ROUTES.iter().any(|e| e.is_page && e.path == p.as_str())).collect();
        let unrouted: Vec<&str> = ROUTES
            .iter()
            .filter(|e| e.is_page && !routed.iter().any(|p| p == e.path))
            .map(|e| e.path)
            .collect();
        if unlisted.is_empty() && unrouted.is_empty() {
            Ok(())
        } else {
            Err(format!("pages without an entry in the route table: {unlisted:?}; entries without a page: {unrouted:?}"))
        }
    }

    #[cfg(test)]
    mod tests {
        use domain::access::{allows, Role};

        use super::*;

        fn may(role: Role, path: &str) -> bool {
            permission_for(path).is_some_and(|p| allows(&[role].into(), p))
        }

        #[test]
        fn every_role_opens_exactly_its_sections() {
            use Role::*;
            // (path, the roles that may open it), written out so a change to the table shows here.
            let expected: &[(&str, &[Role])] = &[
                ("/", &[Viewer, Associate, Approver, Admin]),
                ("/preferences", &[Viewer, Associate, Approver, Admin]),
                ("/lookup", &[Viewer, Associate, Approver]),
                ("/reports", &[Associate, Approver, Admin]),
                ("/reports/2026-12-03/items", &[Associate, Approver, Admin]),
                ("/reports/2026-12-03/items/7", &[Associate, Approver, Admin]),
                ("/download/reports/2026-12-03/1/match.csv", &[Associate, Approver, Admin]),
                ("/feeds", &[Associate, Approver, Admin]),
                ("/feeds/release", &[Admin]),
                ("/exceptions", &[Associate, Approver]),
                ("/exceptions/12", &[Associate, Approver]),
                ("/ledger", &[Associate, Approver]),
                ("/ledger/accounts/suspense", &[Associate, Approver]),
                ("/audit", &[Admin]),
                ("/admin", &[Admin]),
            ];
            for (path, roles) in expected {
                for role in Role::ALL {
                    assert_eq!(may(role, path), roles.contains(&role), "{role:?} on {path}");
                }
            }
        }

        #[test]
        fn a_path_without_an_entry_is_refused() {
            for path in
                ["/secret", "/ledger/accounts", "/reports/2026-12-03", "/admin/users", "/exceptions/1/x"]
            {
                assert_eq!(permission_for(path), None, "{path}");
            }
            assert!(permission_for("/reports/").is_some(), "a trailing slash is the same page");
        }

        #[test]
        fn an_unlisted_address_in_a_section_needs_that_section() {
            assert_eq!(section_permission("/admin/users"), Permission::Administer);
            assert_eq!(section_permission("/ledger/accounts"), Permission::ViewLedger);
            assert_eq!(section_permission("/audit/x/y"), Permission::ViewAudit);
            assert_eq!(section_permission("/no-such-page"), Permission::ViewDashboard);
        }

        #[test]
        fn navigation_lists_only_what_the_person_may_open() {
            let viewer = sections(|p| allows(&[Role::Viewer].into(), p));
            assert_eq!(viewer, ["/", "/lookup"]);
            assert!(sections(|_| false).is_empty());
        }

        #[test]
        fn the_check_names_a_page_missing_from_the_table() {
            let mut routed: Vec<String> =
                ROUTES.iter().filter(|e| e.is_page).map(|e| e.path.to_owned()).collect();
            assert_eq!(check_route_list(&routed), Ok(()));
            routed.push("/new-page".into());
            assert!(check_route_list(&routed).unwrap_err().contains("/new-page"));
        }
    }
}
