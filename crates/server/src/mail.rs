//! The mails Touchpoint sends, rendered from askama templates (`templates/mail/`): a plain
//! text and an HTML part for each, in German or English. The HTML part is auto-escaped, so a
//! name like `<script>` arrives as text; subjects are stripped of control characters so no
//! value can add a header line. Rendering happens before the change is stored: the store
//! queues the result in the change's transaction.

use askama::Template;
use touchpoint_domain::Language;
use touchpoint_store::mail::NewMail;

/// Every text of the mails, per language.
#[derive(Debug)]
pub struct MailTexts {
    pub hello: &'static str,
    pub hello_name: &'static str,
    pub footer: &'static str,
    pub link_fallback: &'static str,
    pub invitation_subject: &'static str,
    pub invitation_intro: &'static str,
    pub invitation_action: &'static str,
    pub invitation_validity: &'static str,
    pub invitation_ignore: &'static str,
    pub reset_subject: &'static str,
    pub reset_intro: &'static str,
    pub reset_action: &'static str,
    pub reset_validity: &'static str,
    pub reset_ignore: &'static str,
    pub changed_subject: &'static str,
    pub changed_body: &'static str,
    pub totp_subject: &'static str,
    pub totp_body: &'static str,
    pub notice_not_you: &'static str,
}

pub static DE: MailTexts = MailTexts {
    hello: "Guten Tag,",
    hello_name: "Guten Tag {name},",
    footer: "Diese E-Mail wurde automatisch von Touchpoint versandt.",
    link_fallback: "Falls die Schaltfläche nicht funktioniert, kopieren Sie diesen Link in Ihren Browser:",
    invitation_subject: "Einladung zu Touchpoint – {org}",
    invitation_intro: "{inviter} lädt Sie ein, bei „{org}“ in Touchpoint mitzuarbeiten (Rolle: {role}).",
    invitation_action: "Einladung annehmen",
    invitation_validity: "Der Link ist {hours} Stunden gültig und kann nur einmal verwendet werden.",
    invitation_ignore: "Wenn Sie diese Einladung nicht erwartet haben, können Sie die E-Mail ignorieren.",
    reset_subject: "Passwort zurücksetzen – Touchpoint",
    reset_intro: "Jemand hat verlangt, das Passwort Ihres Touchpoint-Kontos zurückzusetzen.",
    reset_action: "Neues Passwort festlegen",
    reset_validity: "Der Link ist {minutes} Minuten gültig und kann nur einmal verwendet werden.",
    reset_ignore: "Wenn Sie das nicht waren, ignorieren Sie diese E-Mail; Ihr Passwort bleibt unverändert.",
    changed_subject: "Ihr Passwort wurde geändert – Touchpoint",
    changed_body: "Das Passwort Ihres Touchpoint-Kontos wurde soeben geändert.",
    totp_subject: "Zwei-Faktor-Anmeldung eingeschaltet – Touchpoint",
    totp_body: "Für Ihr Touchpoint-Konto ist jetzt die Zwei-Faktor-Anmeldung eingeschaltet.",
    notice_not_you: "Wenn Sie das nicht waren, wenden Sie sich sofort an Ihre Administration.",
};

pub static EN: MailTexts = MailTexts {
    hello: "Hello,",
    hello_name: "Hello {name},",
    footer: "This email was sent automatically by Touchpoint.",
    link_fallback: "If the button does not work, copy this link into your browser:",
    invitation_subject: "Invitation to Touchpoint – {org}",
    invitation_intro: "{inviter} invites you to work with \u{201c}{org}\u{201d} in Touchpoint (role: {role}).",
    invitation_action: "Accept the invitation",
    invitation_validity: "The link is valid for {hours} hours and works only once.",
    invitation_ignore: "If you did not expect this invitation, you can ignore this email.",
    reset_subject: "Reset your password – Touchpoint",
    reset_intro: "Someone asked to reset the password of your Touchpoint account.",
    reset_action: "Choose a new password",
    reset_validity: "The link is valid for {minutes} minutes and works only once.",
    reset_ignore: "If this was not you, ignore this email; your password stays as it is.",
    changed_subject: "Your password was changed – Touchpoint",
    changed_body: "The password of your Touchpoint account has just been changed.",
    totp_subject: "Two-factor sign-in switched on – Touchpoint",
    totp_body: "Two-factor sign-in is now switched on for your Touchpoint account.",
    notice_not_you: "If this was not you, contact your administrator at once.",
};

pub fn texts(language: Language) -> &'static MailTexts {
    match language {
        Language::De => &DE,
        Language::En => &EN,
    }
}

/// A subject line: control characters (CR, LF, …) become spaces, at most 150 characters.
pub fn subject_line(raw: &str) -> String {
    raw.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(150)
        .collect::<String>()
        .trim()
        .to_owned()
}

/// A value for a sentence: no control characters, bounded length.
fn inline(raw: &str) -> String {
    raw.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect()
}

macro_rules! mail_template {
    ($html:ident, $text:ident, $html_path:literal, $text_path:literal, { $($field:ident : $ty:ty),* $(,)? }) => {
        #[derive(Template)]
        #[template(path = $html_path)]
        struct $html<'a> {
            lang: &'static str,
            t: &'static MailTexts,
            subject: &'a str,
            $($field: $ty,)*
        }

        #[derive(Template)]
        #[template(path = $text_path)]
        struct $text<'a> {
            #[allow(dead_code)]
            lang: &'static str,
            t: &'static MailTexts,
            #[allow(dead_code)]
            subject: &'a str,
            $($field: $ty,)*
        }
    };
}

mail_template!(InvitationHtml, InvitationText, "mail/invitation.html", "mail/invitation.txt", {
    intro: &'a str, link: &'a str, validity: &'a str,
});
mail_template!(ResetHtml, ResetText, "mail/password_reset.html", "mail/password_reset.txt", {
    greeting: &'a str, link: &'a str, validity: &'a str,
});
mail_template!(NoticeHtml, NoticeText, "mail/notice.html", "mail/notice.txt", {
    greeting: &'a str, body: &'a str,
});

#[derive(Debug, thiserror::Error)]
#[error("mail template failed: {0}")]
pub struct RenderError(#[from] askama::Error);

fn greeting(t: &MailTexts, name: &str) -> String {
    let name = inline(name.trim());
    if name.is_empty() {
        t.hello.to_owned()
    } else {
        t.hello_name.replace("{name}", &name)
    }
}

/// The invitation mail: who invites, to which organisation, with which role, and the link.
pub fn invitation(
    language: Language,
    to: &str,
    org_name: &str,
    inviter: &str,
    role: &str,
    link: &str,
    hours: i64,
) -> Result<NewMail, RenderError> {
    let t = texts(language);
    let subject = subject_line(&t.invitation_subject.replace("{org}", &inline(org_name)));
    let intro = t
        .invitation_intro
        .replace("{inviter}", &inline(inviter))
        .replace("{org}", &inline(org_name))
        .replace("{role}", role);
    let validity = t.invitation_validity.replace("{hours}", &hours.to_string());
    let lang = language.as_str();
    let html = InvitationHtml {
        lang,
        t,
        subject: &subject,
        intro: &intro,
        link,
        validity: &validity,
    }
    .render()?;
    let text = InvitationText {
        lang,
        t,
        subject: &subject,
        intro: &intro,
        link,
        validity: &validity,
    }
    .render()?;
    Ok(NewMail {
        to: to.to_owned(),
        language,
        template: "invitation",
        subject,
        text_body: text,
        html_body: html,
        secret: true,
    })
}

/// The password reset mail with its single-use link.
pub fn password_reset(
    language: Language,
    to: &str,
    name: &str,
    link: &str,
    minutes: i64,
) -> Result<NewMail, RenderError> {
    let t = texts(language);
    let subject = subject_line(t.reset_subject);
    let greeting = greeting(t, name);
    let validity = t.reset_validity.replace("{minutes}", &minutes.to_string());
    let lang = language.as_str();
    let html = ResetHtml {
        lang,
        t,
        subject: &subject,
        greeting: &greeting,
        link,
        validity: &validity,
    }
    .render()?;
    let text = ResetText {
        lang,
        t,
        subject: &subject,
        greeting: &greeting,
        link,
        validity: &validity,
    }
    .render()?;
    Ok(NewMail {
        to: to.to_owned(),
        language,
        template: "password_reset",
        subject,
        text_body: text,
        html_body: html,
        secret: true,
    })
}

/// Which security notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    PasswordChanged,
    TotpEnabled,
}

/// A notice to the account's owner that something security-relevant changed.
pub fn notice(
    kind: Notice,
    language: Language,
    to: &str,
    name: &str,
) -> Result<NewMail, RenderError> {
    let t = texts(language);
    let (template, subject, body) = match kind {
        Notice::PasswordChanged => ("password_changed", t.changed_subject, t.changed_body),
        Notice::TotpEnabled => ("totp_enabled", t.totp_subject, t.totp_body),
    };
    let subject = subject_line(subject);
    let greeting = greeting(t, name);
    let lang = language.as_str();
    let html = NoticeHtml {
        lang,
        t,
        subject: &subject,
        greeting: &greeting,
        body,
    }
    .render()?;
    let text = NoticeText {
        lang,
        t,
        subject: &subject,
        greeting: &greeting,
        body,
    }
    .render()?;
    Ok(NewMail {
        to: to.to_owned(),
        language,
        template,
        subject,
        text_body: text,
        html_body: html,
        secret: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_and_subjects_have_no_line_breaks() {
        let mail = invitation(
            Language::En,
            "a@example.com",
            "Evil\r\nBcc: victim@example.com <b>",
            "<script>alert(1)</script>",
            "admin",
            "https://cx.example.com/app/invite/abc",
            168,
        )
        .expect("render");
        assert!(!mail.subject.contains('\n') && !mail.subject.contains('\r'));
        assert!(
            mail.html_body.contains("&#60;script&#62;")
                || mail.html_body.contains("&lt;script&gt;")
        );
        assert!(!mail.html_body.contains("<script>"));
        assert!(
            mail.text_body.contains("<script>alert(1)</script>"),
            "text is text"
        );
        assert!(
            mail.text_body
                .contains("https://cx.example.com/app/invite/abc")
        );
        let de = password_reset(Language::De, "a@example.com", "Ann", "https://x/r", 60)
            .expect("render");
        assert!(de.text_body.contains("Neues Passwort festlegen"));
        assert!(de.html_body.contains("lang=\"de\""));
    }
}
