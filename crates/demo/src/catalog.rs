//! What a desk works on: its teams, the categories each team handles, and the titles
//! requesters write. Titles are templates with slots, so 60,000 tickets do not repeat
//! the same few dozen lines.

use rand::seq::IndexedRandom;
use rand::Rng;

pub struct TeamSpec {
    pub name: &'static str,
    /// Relative share of tickets: the first-line desk takes the most.
    pub weight: u32,
    pub categories: &'static [&'static str],
}

pub const TEAMS: &[TeamSpec] = &[
    TeamSpec {
        name: "Service Desk",
        weight: 32,
        categories: &["Accounts", "Email", "Software", "Telephony", "Access"],
    },
    TeamSpec { name: "Desktop Support", weight: 20, categories: &["Hardware", "Software", "Printing"] },
    TeamSpec { name: "Network", weight: 10, categories: &["Network", "VPN", "Wi-Fi"] },
    TeamSpec { name: "Identity & Access", weight: 12, categories: &["Access", "Accounts"] },
    TeamSpec { name: "Applications", weight: 12, categories: &["Business Apps", "Email", "Software"] },
    TeamSpec { name: "Field Services", weight: 6, categories: &["Hardware", "Printing", "Telephony"] },
    TeamSpec { name: "Infrastructure", weight: 5, categories: &["Storage", "Servers"] },
    TeamSpec { name: "Security Operations", weight: 3, categories: &["Security"] },
];

fn templates(category: &str) -> &'static [&'static str] {
    match category {
        "Hardware" => &[
            "Laptop will not power on",
            "{device} not working",
            "Cracked screen on {device}",
            "Request for a second monitor",
            "Docking station not detecting {device}",
            "Laptop battery drains in an hour",
            "New starter needs a laptop by Monday",
        ],
        "Software" => &[
            "Install {app} on my laptop",
            "{app} crashes on start",
            "{app} is very slow",
            "Licence request for {app}",
            "{app} update failed",
            "Cannot open attachments in {app}",
        ],
        "Printing" => &[
            "Printer on floor {floor} jams",
            "Printer on floor {floor} is offline",
            "Cannot add printer at {site}",
            "Scans to email not arriving",
            "Toner low on floor {floor}",
        ],
        "Network" => &[
            "No network at desk {desk} on floor {floor}",
            "Network very slow at {site}",
            "Cannot reach shared drive",
            "Network socket on floor {floor} dead",
            "DNS errors when opening intranet",
        ],
        "VPN" => &[
            "Cannot connect to VPN",
            "VPN drops every few minutes",
            "VPN access for new contractor",
            "VPN certificate expired",
        ],
        "Wi-Fi" => &[
            "Wi-Fi not working at {site}",
            "Guest Wi-Fi for visitors at {site}",
            "Wi-Fi keeps disconnecting on floor {floor}",
        ],
        "Access" => &[
            "Access to {app} needed",
            "Access to the {share} share",
            "Remove access for leaver",
            "Badge does not open doors at {site}",
            "Need admin rights for {app}",
        ],
        "Accounts" => &[
            "Password reset for {app}",
            "Account locked out",
            "MFA prompt not arriving",
            "New phone, need to move MFA",
            "Name change after marriage",
            "Set up accounts for new starter",
        ],
        "Email" => &[
            "Mailbox full",
            "Shared mailbox for {share} team",
            "Emails to external partners bounce",
            "Calendar not syncing to phone",
            "Distribution list change",
            "Out of office will not switch off",
        ],
        "Telephony" => &[
            "Desk phone has no dial tone",
            "Headset microphone not working in {app}",
            "Voicemail PIN reset",
            "Mobile phone replacement",
            "Call quality poor in {app} meetings",
        ],
        "Business Apps" => &[
            "Error when posting invoice in {erp}",
            "Report in {erp} shows wrong totals",
            "{erp} month-end job failed",
            "Approval workflow stuck in {erp}",
            "Cannot export from {erp} to Excel",
        ],
        "Storage" => &[
            "Restore deleted folder from the {share} share",
            "Shared drive {share} is full",
            "Increase quota for {share} share",
        ],
        "Servers" => &[
            "Server {server} unreachable",
            "Disk space alert on {server}",
            "Patch window request for {server}",
            "Scheduled task failing on {server}",
        ],
        "Security" => &[
            "Suspicious email received",
            "Clicked a link in a phishing email",
            "Antivirus alert on my laptop",
            "Lost laptop, please wipe",
            "Unknown device on network at {site}",
        ],
        _ => &["General request"],
    }
}

const DEVICES: &[&str] = &["laptop", "monitor", "docking station", "keyboard", "mouse", "headset"];
const APPS: &[&str] = &[
    "SAP",
    "Salesforce",
    "Teams",
    "Outlook",
    "Workday",
    "Jira",
    "Confluence",
    "Zoom",
    "SharePoint",
    "Excel",
    "Adobe Acrobat",
    "ServiceNow",
];
const ERPS: &[&str] = &["SAP", "Oracle EBS", "Dynamics 365", "Workday"];
const SITES: &[&str] =
    &["HQ", "the Berlin office", "the Lyon office", "the Madrid office", "the Porto office", "the warehouse"];
const SHARES: &[&str] = &["Finance", "HR", "Legal", "Projects", "Marketing", "Sales"];
const SERVERS: &[&str] = &["fs01", "app02", "sql03", "web01", "print01", "dc02"];

/// A title for a ticket in `category`, its slots filled at random.
pub fn title(category: &str, rng: &mut impl Rng) -> String {
    let template = *templates(category).choose(rng).expect("every category has templates");
    let mut title = template.to_string();
    // Each slot is filled only when present, so adding a template never shifts others.
    let slots: [(&str, &[&str]); 6] = [
        ("{device}", DEVICES),
        ("{app}", APPS),
        ("{erp}", ERPS),
        ("{site}", SITES),
        ("{share}", SHARES),
        ("{server}", SERVERS),
    ];
    for (slot, values) in slots {
        if title.contains(slot) {
            title = title.replace(slot, values.choose(rng).expect("non-empty"));
        }
    }
    if title.contains("{floor}") {
        title = title.replace("{floor}", &rng.random_range(1..=12).to_string());
    }
    if title.contains("{desk}") {
        title = title.replace("{desk}", &rng.random_range(1..=80).to_string());
    }
    // A sentence starting with a slot value ("laptop not working") reads better capitalised.
    let mut chars = title.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => title,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn every_category_of_every_team_yields_filled_in_titles() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for team in TEAMS {
            for category in team.categories {
                assert!(templates(category).len() > 1, "{category} has too few templates");
                for _ in 0..50 {
                    let title = title(category, &mut rng);
                    assert!(!title.contains('{'), "unfilled slot in {title:?}");
                    assert!(title.starts_with(|c: char| c.is_uppercase()), "{title:?}");
                }
            }
        }
    }
}
