//! The fields of a url-encoded form as the web app's handlers read them. A body that is not
//! url-encoded reads as an empty form, so every field is simply missing.

pub struct Form(Vec<(String, String)>);

impl Form {
    pub fn parse(body: &[u8]) -> Form {
        Form(serde_urlencoded::from_bytes(body).unwrap_or_default())
    }

    /// The first value of `name`, as sent (`""` when missing).
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    /// The first value of `name`, as sent, owned (empty when missing).
    pub fn raw(&self, name: &str) -> String {
        self.get(name).to_owned()
    }

    /// The first value of `name`, trimmed (empty when missing).
    pub fn text(&self, name: &str) -> String {
        self.raw(name).trim().to_owned()
    }

    /// The first value of `name`, trimmed; `None` when missing or blank.
    pub fn given(&self, name: &str) -> Option<String> {
        Some(self.text(name)).filter(|v| !v.is_empty())
    }

    /// Every value of `name` (checkbox groups), trimmed.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Bytes;

    #[test]
    fn reads_first_all_and_missing_fields() {
        let form = Form::parse(&Bytes::from_static(b"a=+x+&b=1&b=2&c="));
        assert_eq!(form.raw("a"), " x ");
        assert_eq!(form.text("a"), "x");
        assert_eq!(form.all("b"), ["1", "2"]);
        assert_eq!(form.given("c"), None);
        assert_eq!(form.text("missing"), "");
        assert_eq!(
            Form::parse(&Bytes::from_static(b"\xff=%%")).all("x").len(),
            0
        );
    }
}
