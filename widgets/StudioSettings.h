#pragma once
// The studio's preferences (QSettings): compute threads and device for runs, language and colour theme.

#include <QString>

namespace autoglm::widgets {

struct StudioSettings {
    int threads = 0;          // LibTorch threads of a run; 0: every core but one (the window keeps one)
    QString device = "cpu";   // cpu | cuda
    QString language;         // empty: the system's; "en"; "zh_CN"
    QString theme = "system"; // system | light | dark

    static StudioSettings load();
    void save() const;
    // The thread count a run uses.
    int runThreads() const;
};

// Fusion with a dark or light palette; "system" goes back to the platform's style and palette (as they were
// before the first call). Applies at once: every widget hears QEvent::PaletteChange.
void applyTheme(const QString& theme);
// Installs the studio's translator for `language` (empty: the system's; "en": none, English is the source
// language), replacing the one installed before. Applies at once: every widget hears QEvent::LanguageChange.
// False when no translation for it was found (the studio is then in English).
bool applyLanguage(const QString& language);
// The language in force after the last applyLanguage ("en" when none was installed).
QString currentLanguage();

} // namespace autoglm::widgets
