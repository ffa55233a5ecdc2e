#include "widgets/StudioSettings.h"

#include <QApplication>
#include <QLocale>
#include <QPointer>
#include <QTranslator>
#include <QPalette>
#include <QSettings>
#include <QStyle>
#include <QStyleFactory>
#include <QThread>

#include <algorithm>

namespace autoglm::widgets {

StudioSettings StudioSettings::load() {
    QSettings s;
    StudioSettings out;
    out.threads = std::max(0, s.value("threads", 0).toInt());
    out.device = s.value("device", "cpu").toString();
    out.language = s.value("language").toString();
    out.theme = s.value("theme", "system").toString();
    return out;
}

void StudioSettings::save() const {
    QSettings s;
    s.setValue("threads", threads);
    s.setValue("device", device);
    s.setValue("language", language);
    s.setValue("theme", theme);
}

int StudioSettings::runThreads() const {
    return threads > 0 ? threads : std::max(1, QThread::idealThreadCount() - 1);
}

namespace {
// The platform's look, kept from before the studio changed it, so that "system" can return to it live.
struct SystemLook {
    QString style;
    QPalette palette;
};
const SystemLook& systemLook() {
    static const SystemLook look{QApplication::style()->name(), QApplication::palette()};
    return look;
}
QPointer<QTranslator>& installedTranslator() {
    static QPointer<QTranslator> translator;
    return translator;
}
QString& languageInForce() {
    static QString language = "en";
    return language;
}
} // namespace

bool applyLanguage(const QString& language) {
    QPointer<QTranslator>& installed = installedTranslator();
    if (installed) {
        QApplication::removeTranslator(installed);
        delete installed;
    }
    languageInForce() = "en";
    const QLocale locale = language.isEmpty() ? QLocale() : QLocale(language);
    if (language == "en" || locale.language() == QLocale::English)
        return true; // the source language needs no translator; removing the old one sent LanguageChange

    auto* translator = new QTranslator(qApp);
    if (!translator->load(locale, "autoglm", "_", ":/i18n")) {
        delete translator;
        return false;
    }
    QApplication::installTranslator(translator);
    installed = translator;
    languageInForce() = locale.name();
    return true;
}

QString currentLanguage() {
    return languageInForce();
}

void applyTheme(const QString& theme) {
    const SystemLook& system = systemLook();
    static bool changed = false; // the platform's look is only restored when the studio replaced it
    if (theme == "system") {
        if (changed) {
            QApplication::setStyle(QStyleFactory::create(system.style));
            QApplication::setPalette(system.palette);
            changed = false;
        }
        return;
    }
    changed = true;
    QApplication::setStyle(QStyleFactory::create("Fusion"));
    QPalette p;
    if (theme == "dark") {
        const QColor window(0x2b, 0x2b, 0x2b), base(0x1e, 0x1e, 0x1e), text(0xe6, 0xe6, 0xe6);
        p.setColor(QPalette::Window, window);
        p.setColor(QPalette::WindowText, text);
        p.setColor(QPalette::Base, base);
        p.setColor(QPalette::AlternateBase, window);
        p.setColor(QPalette::ToolTipBase, base);
        p.setColor(QPalette::ToolTipText, text);
        p.setColor(QPalette::Text, text);
        p.setColor(QPalette::Button, window);
        p.setColor(QPalette::ButtonText, text);
        p.setColor(QPalette::Highlight, QColor(0x3c, 0x6e, 0xc0));
        p.setColor(QPalette::HighlightedText, Qt::white);
        p.setColor(QPalette::Mid, QColor(0x55, 0x55, 0x55));
        p.setColor(QPalette::Dark, QColor(0x18, 0x18, 0x18));
        p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x80, 0x80, 0x80));
        p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x80, 0x80, 0x80));
    } else {
        p = QApplication::style()->standardPalette();
    }
    QApplication::setPalette(p);
}

} // namespace autoglm::widgets
