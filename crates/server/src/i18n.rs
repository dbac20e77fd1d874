//! User-interface texts in German and English.
