#pragma once
// Preferences: threads and device of runs, language and theme (the window applies the last two at once).

#include "widgets/StudioSettings.h"

#include <QDialog>

class QComboBox;
class QSpinBox;

namespace autoglm::widgets {

class SettingsDialog : public QDialog {
    Q_OBJECT

public:
    // `cuda`: whether runs can use a CUDA device here (offered only then).
    SettingsDialog(const StudioSettings& settings, bool cuda, QWidget* parent = nullptr);

    StudioSettings settings() const;
    QSpinBox* threads() const { return m_threads; }
    QComboBox* device() const { return m_device; }
    QComboBox* language() const { return m_language; }
    QComboBox* theme() const { return m_theme; }

private:
    QSpinBox* m_threads;
    QComboBox* m_device;
    QComboBox* m_language;
    QComboBox* m_theme;
};

} // namespace autoglm::widgets
