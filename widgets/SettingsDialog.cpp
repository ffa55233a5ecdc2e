#include "widgets/SettingsDialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QSpinBox>
#include <QThread>
#include <QVBoxLayout>

namespace autoglm::widgets {
namespace {
void select(QComboBox* combo, const QString& value) {
    combo->setCurrentIndex(std::max(0, combo->findData(value)));
}
} // namespace

SettingsDialog::SettingsDialog(const StudioSettings& s, bool cuda, QWidget* parent)
    : QDialog(parent), m_threads(new QSpinBox(this)), m_device(new QComboBox(this)), m_language(new QComboBox(this)),
      m_theme(new QComboBox(this)) {
    setWindowTitle(tr("Preferences"));
    m_threads->setRange(0, std::max(1, QThread::idealThreadCount() * 4));
    m_threads->setSpecialValueText(tr("Automatic (all cores but one)"));
    m_threads->setValue(s.threads);
    m_threads->setToolTip(tr("Compute threads of a run"));
    m_device->addItem(tr("CPU"), "cpu");
    if (cuda)
        m_device->addItem(tr("CUDA GPU"), "cuda");
    select(m_device, s.device);
    m_language->addItem(tr("System language"), QString());
    m_language->addItem("English", "en");
    m_language->addItem("简体中文", "zh_CN");
    select(m_language, s.language);
    m_theme->addItem(tr("Follow the system"), "system");
    m_theme->addItem(tr("Light"), "light");
    m_theme->addItem(tr("Dark"), "dark");
    select(m_theme, s.theme);

    auto* form = new QFormLayout;
    form->addRow(tr("Threads"), m_threads);
    form->addRow(tr("Device"), m_device);
    form->addRow(tr("Language"), m_language);
    form->addRow(tr("Theme"), m_theme);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(buttons);
}

StudioSettings SettingsDialog::settings() const {
    StudioSettings s;
    s.threads = m_threads->value();
    s.device = m_device->currentData().toString();
    s.language = m_language->currentData().toString();
    s.theme = m_theme->currentData().toString();
    return s;
}

} // namespace autoglm::widgets
