// Touchpoint progressive enhancement
