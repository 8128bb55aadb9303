//! Who may do what: roles (from the identity provider's group claims) and the permissions they carry.
//!
//! The server checks a permission on every page, server function, download and API route; the UI
//! uses the same table only to hide what a role cannot do.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Help desk and support: looks payments up, adds notes, moves no money.
    Viewer,
    /// Reconciliation analyst: works exceptions, downloads reports, initiates manual actions.
    Associate,
    /// Operations supervisor: approves or rejects initiated actions (never their own).
    Approver,
    /// Feeds, runs, settings and system health.
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Associate, Role::Approver, Role::Admin];

    pub fn code(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Associate => "associate",
            Role::Approver => "approver",
            Role::Admin => "admin",
        }
    }

    fn from_code(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::Viewer => &[ViewDashboard, LookUpPayments, AnnotateCases],
            Role::Associate => &[
                ViewDashboard,
                LookUpPayments,
                AnnotateCases,
                ViewReports,
                WorkExceptions,
                ViewLedger,
                InitiateActions,
            ],
            Role::Approver => &[
                ViewDashboard,
                LookUpPayments,
                AnnotateCases,
                ViewReports,
                WorkExceptions,
                SuperviseExceptions,
                ViewLedger,
                ApproveActions,
            ],
            Role::Admin => &[ViewDashboard, ViewReports, ViewAudit, Administer],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Permission {
    ViewDashboard,
    LookUpPayments,
    /// Reads a case's history and adds notes to it (the help desk too).
    AnnotateCases,
    ViewReports,
    WorkExceptions,
    /// Assigns items to anyone who works them and acts on anyone's item.
    SuperviseExceptions,
    ViewLedger,
    InitiateActions,
    ApproveActions,
    ViewAudit,
    Administer,
}

/// Whether any of `roles` grants `permission`.
pub fn allows(roles: &BTreeSet<Role>, permission: Permission) -> bool {
    roles.iter().any(|role| role.permissions().contains(&permission))
}

/// Which identity-provider groups grant which role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleMapping {
    entries: Vec<(String, Role)>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "role mapping entry '{entry}' is not 'role=group' with role one of viewer, associate, approver, admin"
)]
pub struct RoleMappingError {
    entry: String,
}

impl RoleMapping {
    /// Parses `role=group,role=group,…`; a role may appear several times (several groups grant it).
    pub fn parse(spec: &str) -> Result<Self, RoleMappingError> {
        let entries = spec
            .split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                let error = || RoleMappingError { entry: entry.to_owned() };
                let (role, group) = entry.split_once('=').ok_or_else(error)?;
                let role = Role::from_code(role.trim()).ok_or_else(error)?;
                let group = group.trim();
                if group.is_empty() {
                    return Err(error());
                }
                Ok((group.to_owned(), role))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(RoleMapping { entries })
    }

    /// The roles the given group claims grant; empty when none is mapped.
    pub fn roles_for<S: AsRef<str>>(&self, groups: &[S]) -> BTreeSet<Role> {
        groups
            .iter()
            .flat_map(|group| self.entries.iter().filter(move |(g, _)| g == group.as_ref()).map(|(_, r)| *r))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping() -> RoleMapping {
        RoleMapping::parse(
            "viewer=helpdesk, associate=recon-analysts, approver=ops-supervisors, admin=settledesk-admins, viewer=support",
        )
        .unwrap()
    }

    #[test]
    fn groups_map_to_roles() {
        let m = mapping();
        assert_eq!(m.roles_for(&["recon-analysts"]), BTreeSet::from([Role::Associate]));
        assert_eq!(
            m.roles_for(&["support", "ops-supervisors"]),
            BTreeSet::from([Role::Viewer, Role::Approver])
        );
        assert!(m.roles_for(&["marketing"]).is_empty());
        assert!(m.roles_for::<&str>(&[]).is_empty());
    }

    #[test]
    fn group_names_match_exactly() {
        assert!(mapping().roles_for(&["Recon-Analysts", "recon-analysts-old", " helpdesk"]).is_empty());
    }

    #[test]
    fn bad_mappings_are_refused_with_the_entry() {
        for bad in ["superuser=x", "viewer", "viewer=", "=group"] {
            let err = RoleMapping::parse(bad).unwrap_err();
            assert!(err.to_string().contains(bad), "{err}");
        }
    }

    #[test]
    fn roles_carry_their_permissions_and_no_more() {
        let viewer = BTreeSet::from([Role::Viewer]);
        assert!(allows(&viewer, Permission::LookUpPayments));
        assert!(!allows(&viewer, Permission::WorkExceptions));
        assert!(!allows(&viewer, Permission::InitiateActions));
        assert!(allows(&viewer, Permission::AnnotateCases), "the help desk adds notes");
        let associate = BTreeSet::from([Role::Associate]);
        assert!(allows(&associate, Permission::InitiateActions));
        assert!(!allows(&associate, Permission::ApproveActions));
        assert!(!allows(&associate, Permission::SuperviseExceptions), "an associate works her own items");
        let approver = BTreeSet::from([Role::Approver]);
        assert!(allows(&approver, Permission::ApproveActions));
        assert!(allows(&approver, Permission::SuperviseExceptions), "approvers supervise the queue");
        assert!(!allows(&approver, Permission::InitiateActions), "maker and checker are different people");
        assert!(!allows(&approver, Permission::Administer));
        let admin = BTreeSet::from([Role::Admin]);
        assert!(allows(&admin, Permission::ViewAudit) && allows(&admin, Permission::Administer));
        assert!(!allows(&admin, Permission::ApproveActions));
        assert!(!allows(&BTreeSet::new(), Permission::ViewDashboard));
    }
}
