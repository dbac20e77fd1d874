//! The IBM Telco Customer Churn sample (Apache-2.0, see `resources/ATTRIBUTION.md`): 7,043
//! fictional customers, embedded as the unchanged CSV and parsed here.
//!
//! The file has a header and 21 plain comma-separated columns (no quoting). `TotalCharges`
//! is blank (a single space) for the 11 customers with tenure 0, who have not been billed yet.

const CSV: &str = include_str!("../resources/telco-customer-churn.csv");

/// The columns of the file, in order; the parser checks the header against them.
const HEADER: [&str; 21] = [
    "customerID",
    "gender",
    "SeniorCitizen",
    "Partner",
    "Dependents",
    "tenure",
    "PhoneService",
    "MultipleLines",
    "InternetService",
    "OnlineSecurity",
    "OnlineBackup",
    "DeviceProtection",
    "TechSupport",
    "StreamingTV",
    "StreamingMovies",
    "Contract",
    "PaperlessBilling",
    "PaymentMethod",
    "MonthlyCharges",
    "TotalCharges",
    "Churn",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Contract {
    MonthToMonth,
    OneYear,
    TwoYear,
}

impl Contract {
    pub(crate) fn key(self) -> &'static str {
        match self {
            Contract::MonthToMonth => "month_to_month",
            Contract::OneYear => "one_year",
            Contract::TwoYear => "two_year",
        }
    }

    /// The contract's minimum term in months (one for a monthly contract).
    pub(crate) fn months(self) -> i64 {
        match self {
            Contract::MonthToMonth => 1,
            Contract::OneYear => 12,
            Contract::TwoYear => 24,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Internet {
    Dsl,
    Fiber,
    None,
}

impl Internet {
    pub(crate) fn key(self) -> &'static str {
        match self {
            Internet::Dsl => "dsl",
            Internet::Fiber => "fiber",
            Internet::None => "none",
        }
    }
}

/// One row of the file, typed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TelcoCustomer {
    pub(crate) id: &'static str,
    pub(crate) female: bool,
    pub(crate) senior: bool,
    pub(crate) tenure_months: i64,
    pub(crate) phone_service: bool,
    pub(crate) internet: Internet,
    pub(crate) tech_support: bool,
    pub(crate) streaming: bool,
    pub(crate) contract: Contract,
    pub(crate) paperless: bool,
    /// `electronic_check`, `mailed_check`, `bank_transfer` or `credit_card`.
    pub(crate) payment: &'static str,
    pub(crate) monthly_charges: f64,
    /// Absent for customers not billed yet.
    pub(crate) total_charges: Option<f64>,
    pub(crate) churned: bool,
}

fn yes_no(raw: &str) -> Option<bool> {
    match raw {
        "Yes" | "1" => Some(true),
        "No" | "0" | "No internet service" | "No phone service" => Some(false),
        _ => None,
    }
}

fn row(line: &'static str) -> Option<TelcoCustomer> {
    let f: Vec<&'static str> = line.trim_end_matches('\r').split(',').collect();
    if f.len() != HEADER.len() {
        return None;
    }
    let total = f[19].trim();
    Some(TelcoCustomer {
        id: f[0],
        female: match f[1] {
            "Female" => true,
            "Male" => false,
            _ => return None,
        },
        senior: yes_no(f[2])?,
        tenure_months: f[5].parse().ok()?,
        phone_service: yes_no(f[6])?,
        internet: match f[8] {
            "DSL" => Internet::Dsl,
            "Fiber optic" => Internet::Fiber,
            "No" => Internet::None,
            _ => return None,
        },
        tech_support: yes_no(f[12])?,
        streaming: yes_no(f[13])? || yes_no(f[14])?,
        contract: match f[15] {
            "Month-to-month" => Contract::MonthToMonth,
            "One year" => Contract::OneYear,
            "Two year" => Contract::TwoYear,
            _ => return None,
        },
        paperless: yes_no(f[16])?,
        payment: match f[17] {
            "Electronic check" => "electronic_check",
            "Mailed check" => "mailed_check",
            "Bank transfer (automatic)" => "bank_transfer",
            "Credit card (automatic)" => "credit_card",
            _ => return None,
        },
        monthly_charges: f[18].parse().ok()?,
        total_charges: if total.is_empty() {
            None
        } else {
            Some(total.parse().ok()?)
        },
        churned: yes_no(f[20])?,
    })
}

/// Every well-formed row of the embedded file, in file order. A row that does not parse is
/// skipped (none does; a unit test checks all 7,043 arrive), so that generation never fails.
pub(crate) fn customers() -> Vec<TelcoCustomer> {
    let mut lines = CSV.lines();
    let header_ok = lines
        .next()
        .is_some_and(|h| h.trim_end_matches('\r').split(',').eq(HEADER));
    if !header_ok {
        return Vec::new();
    }
    lines.filter_map(row).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_customer_of_the_file_is_read() {
        let all = customers();
        assert_eq!(all.len(), 7_043);
        assert_eq!(all.iter().filter(|c| c.churned).count(), 1_869);
        let contracts = |k: Contract| all.iter().filter(|c| c.contract == k).count();
        assert_eq!(contracts(Contract::MonthToMonth), 3_875);
        assert_eq!(contracts(Contract::OneYear), 1_473);
        assert_eq!(contracts(Contract::TwoYear), 1_695);
        assert_eq!(all.iter().filter(|c| c.total_charges.is_none()).count(), 11);
        assert!(
            all.iter()
                .filter(|c| c.total_charges.is_none())
                .all(|c| c.tenure_months == 0)
        );
        let first = &all[0];
        assert_eq!(first.id, "7590-VHVEG");
        assert!(first.female && !first.churned);
        assert_eq!(first.tenure_months, 1);
        assert_eq!(first.internet, Internet::Dsl);
        assert_eq!(first.payment, "electronic_check");
        assert_eq!(first.monthly_charges, 29.85);
        assert_eq!(first.total_charges, Some(29.85));
    }

    #[test]
    fn malformed_rows_are_refused() {
        assert!(row("x,Female,0").is_none());
        let good =
            "1,Male,0,No,No,5,Yes,No,DSL,No,No,No,No,No,No,One year,No,Mailed check,10.5,52.5,Yes";
        assert!(row(good).is_some());
        assert!(row(good.replace("One year", "Ten years").leak()).is_none());
        assert!(row(good.replace(",5,", ",five,").leak()).is_none());
    }
}
