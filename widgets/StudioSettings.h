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

// Fusion with a dark or light palette; "system" leaves the platform's style and palette alone.
void applyTheme(const QString& theme);

} // namespace autoglm::widgets
