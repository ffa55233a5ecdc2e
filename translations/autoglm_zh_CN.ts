<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>autoglm::StageSchema</name>
    <message>
        <source>Hugging Face folder</source>
        <translation>Hugging Face 文件夹</translation>
    </message>
    <message>
        <source>Also write config.json, model.safetensors and the tokenizer beside the ONNX file (float variants of a checkpoint: pruned or distilled, not quantized)</source>
        <translation>在 ONNX 文件旁另写 config.json、model.safetensors 和分词器（仅限检查点的浮点变体：剪枝或蒸馏后的，不含量化的）</translation>
    </message>
    <message>
        <source>Folder weights</source>
        <translation>文件夹中的权重</translation>
    </message>
    <message>
        <source>float32 keeps the outputs identical; bfloat16 and float16 halve the files</source>
        <translation>float32 保持输出完全一致；bfloat16 和 float16 使文件减半</translation>
    </message>
    <message>
        <source>Generation variant</source>
        <translation>生成变体</translation>
    </message>
    <message>
        <source>Also write NAME_cached.onnx, the same variant with past/present key/value inputs and outputs for fast generation (checkpoints only; no pruning or training after quantizing)</source>
        <translation>另写 NAME_cached.onnx：同一变体，带有 past/present 键值输入和输出，用于快速生成（仅限检查点；量化之后不可再剪枝或训练）</translation>
    </message>
    <message>
        <source>Layer types</source>
        <translation>层类型</translation>
    </message>
    <message>
        <source>Which weight-bearing layers the pass touches</source>
        <translation>该步骤处理哪些带权重的层</translation>
    </message>
    <message>
        <source>Include layers</source>
        <translation>包含的层</translation>
    </message>
    <message>
        <source>Name patterns (shell globs) of the layers to touch; empty: all</source>
        <translation>要处理的层的名称模式（shell 通配符）；留空：全部</translation>
    </message>
    <message>
        <source>Exclude layers</source>
        <translation>排除的层</translation>
    </message>
    <message>
        <source>Name patterns (shell globs) of layers left alone</source>
        <translation>保持不变的层的名称模式（shell 通配符）</translation>
    </message>
    <message>
        <source>Keep first layer</source>
        <translation>保留第一层</translation>
    </message>
    <message>
        <source>Leave the first selected layer in float</source>
        <translation>第一个选中的层保持浮点</translation>
    </message>
    <message>
        <source>Keep last layer</source>
        <translation>保留最后一层</translation>
    </message>
    <message>
        <source>Leave the last selected layer in float</source>
        <translation>最后一个选中的层保持浮点</translation>
    </message>
    <message>
        <source>Pattern</source>
        <translation>模式</translation>
    </message>
    <message>
        <source>unstructured: any weights; N:M: at most N non-zeros in every M inputs; channels: whole channels removed; heads: whole attention heads removed</source>
        <translation>unstructured：任意权重；N:M：每 M 个输入中至多 N 个非零；channels：移除整个通道；heads：移除整个注意力头</translation>
    </message>
    <message>
        <source>Sparsity</source>
        <translation>稀疏度</translation>
    </message>
    <message>
        <source>Share of the weights (or channels, or heads) removed</source>
        <translation>被移除的权重（或通道、注意力头）比例</translation>
    </message>
    <message>
        <source>Method</source>
        <translation>方法</translation>
    </message>
    <message>
        <source>magnitude: the smallest weights go; sparsegpt: one-shot selection and reconstruction from calibration data</source>
        <translation>magnitude：移除最小的权重；sparsegpt：基于校准数据一次性选择并重建</translation>
    </message>
    <message>
        <source>Scope</source>
        <translation>范围</translation>
    </message>
    <message>
        <source>Each layer to the sparsity, or one threshold over all layers</source>
        <translation>每层各自达到稀疏度，或所有层共用一个阈值</translation>
    </message>
    <message>
        <source>Channel criterion</source>
        <translation>通道准则</translation>
    </message>
    <message>
        <source>Which channels or heads go first: by weight norm or (channels) BatchNorm scale</source>
        <translation>先移除哪些通道或注意力头：按权重范数或（通道）BatchNorm 缩放</translation>
    </message>
    <message>
        <source>SparseGPT damping</source>
        <translation>SparseGPT 阻尼</translation>
    </message>
    <message>
        <source>Damping as a fraction of the Hessian&apos;s mean diagonal</source>
        <translation>阻尼，以 Hessian 对角线均值的比例表示</translation>
    </message>
    <message>
        <source>SparseGPT block size</source>
        <translation>SparseGPT 块大小</translation>
    </message>
    <message>
        <source>Columns pruned together</source>
        <translation>一起剪枝的列数</translation>
    </message>
    <message>
        <source>Calibration samples</source>
        <translation>校准样本数</translation>
    </message>
    <message>
        <source>Calibration samples used at most</source>
        <translation>最多使用的校准样本数</translation>
    </message>
    <message>
        <source>Scheme</source>
        <translation>方案</translation>
    </message>
    <message>
        <source>w8a8: int8 weights and activations; w8a16 / w4a16: weights only; dynamic-int8: activations quantized at run time</source>
        <translation>w8a8：int8 权重和激活；w8a16 / w4a16：仅权重；dynamic-int8：运行时量化激活</translation>
    </message>
    <message>
        <source>How weights are rounded: to nearest, GPTQ error feedback, or activation-aware scales</source>
        <translation>权重的舍入方式：就近舍入、GPTQ 误差反馈或激活感知缩放</translation>
    </message>
    <message>
        <source>Granularity</source>
        <translation>粒度</translation>
    </message>
    <message>
        <source>int8 weights: one scale per output channel or per tensor</source>
        <translation>int8 权重：每个输出通道或每个张量一个缩放因子</translation>
    </message>
    <message>
        <source>Group size</source>
        <translation>分组大小</translation>
    </message>
    <message>
        <source>4-bit weights: input elements sharing one scale</source>
        <translation>4 位权重：共用一个缩放因子的输入元素数</translation>
    </message>
    <message>
        <source>Symmetric</source>
        <translation>对称</translation>
    </message>
    <message>
        <source>4-bit weights without a zero point</source>
        <translation>4 位权重不带零点</translation>
    </message>
    <message>
        <source>4-bit format</source>
        <translation>4 位格式</translation>
    </message>
    <message>
        <source>Export as opset-21 DequantizeLinear or as ONNX Runtime&apos;s MatMulNBits</source>
        <translation>导出为 opset-21 DequantizeLinear 或 ONNX Runtime 的 MatMulNBits</translation>
    </message>
    <message>
        <source>Calibrator</source>
        <translation>校准器</translation>
    </message>
    <message>
        <source>How static activation ranges are chosen</source>
        <translation>如何选择静态激活范围</translation>
    </message>
    <message>
        <source>Percentile</source>
        <translation>百分位</translation>
    </message>
    <message>
        <source>Share of activation values the range covers</source>
        <translation>范围覆盖的激活值比例</translation>
    </message>
    <message>
        <source>SmoothQuant</source>
        <translation>SmoothQuant</translation>
    </message>
    <message>
        <source>Migrate activation outliers into the weights</source>
        <translation>把激活离群值迁移到权重中</translation>
    </message>
    <message>
        <source>SmoothQuant alpha</source>
        <translation>SmoothQuant alpha</translation>
    </message>
    <message>
        <source>Migration strength</source>
        <translation>迁移强度</translation>
    </message>
    <message>
        <source>GPTQ damping</source>
        <translation>GPTQ 阻尼</translation>
    </message>
    <message>
        <source>GPTQ activation order</source>
        <translation>GPTQ 激活顺序</translation>
    </message>
    <message>
        <source>Quantize columns by decreasing activation energy</source>
        <translation>按激活能量从大到小量化各列</translation>
    </message>
    <message>
        <source>GPTQ block size</source>
        <translation>GPTQ 块大小</translation>
    </message>
    <message>
        <source>Columns updated together</source>
        <translation>一起更新的列数</translation>
    </message>
    <message>
        <source>AWQ grid</source>
        <translation>AWQ 网格</translation>
    </message>
    <message>
        <source>Points of the scale-exponent grid searched</source>
        <translation>搜索的缩放指数网格点数</translation>
    </message>
    <message>
        <source>Steps</source>
        <translation>步数</translation>
    </message>
    <message>
        <source>Optimizer steps (unless epochs is set)</source>
        <translation>优化器步数（除非设置了轮数）</translation>
    </message>
    <message>
        <source>Epochs</source>
        <translation>轮数</translation>
    </message>
    <message>
        <source>Whole passes over the training data; 0: use steps</source>
        <translation>遍历整个训练数据的次数；0：使用步数</translation>
    </message>
    <message>
        <source>Batch size</source>
        <translation>批大小</translation>
    </message>
    <message>
        <source>Training samples per step</source>
        <translation>每步的训练样本数</translation>
    </message>
    <message>
        <source>Learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <source>AdamW peak learning rate, after warm-up, before cosine decay</source>
        <translation>AdamW 峰值学习率（预热之后、余弦衰减之前）</translation>
    </message>
    <message>
        <source>Weight decay</source>
        <translation>权重衰减</translation>
    </message>
    <message>
        <source>Decoupled weight decay of matrices and kernels</source>
        <translation>矩阵和卷积核的解耦权重衰减</translation>
    </message>
    <message>
        <source>Warm-up</source>
        <translation>预热</translation>
    </message>
    <message>
        <source>Share of the steps spent warming the learning rate up</source>
        <translation>用于学习率预热的步数比例</translation>
    </message>
    <message>
        <source>Gradient clip</source>
        <translation>梯度裁剪</translation>
    </message>
    <message>
        <source>Largest global gradient norm; 0: never clip</source>
        <translation>全局梯度范数上限；0：不裁剪</translation>
    </message>
    <message>
        <source>Temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <source>Softmax temperature of the distillation loss</source>
        <translation>蒸馏损失的 softmax 温度</translation>
    </message>
    <message>
        <source>Alpha</source>
        <translation>Alpha</translation>
    </message>
    <message>
        <source>Weight of the teacher&apos;s soft labels against the hard labels</source>
        <translation>教师软标签相对硬标签的权重</translation>
    </message>
    <message>
        <source>Hidden values</source>
        <translation>隐藏值</translation>
    </message>
    <message>
        <source>Values of both models whose mean squared difference is added</source>
        <translation>两个模型中计算均方差并加入损失的值</translation>
    </message>
    <message>
        <source>Hidden weight</source>
        <translation>隐藏状态权重</translation>
    </message>
    <message>
        <source>Weight of the hidden-state loss; needs hidden values</source>
        <translation>隐藏状态损失的权重；需要指定隐藏值</translation>
    </message>
    <message>
        <source>Validate every</source>
        <translation>验证间隔</translation>
    </message>
    <message>
        <source>Steps between validations</source>
        <translation>两次验证之间的步数</translation>
    </message>
    <message>
        <source>Patience</source>
        <translation>耐心值</translation>
    </message>
    <message>
        <source>Validations without improvement before stopping; 0: never</source>
        <translation>无改进多少次验证后停止；0：从不</translation>
    </message>
    <message>
        <source>Validation share</source>
        <translation>验证比例</translation>
    </message>
    <message>
        <source>Training data held out when no validation set is given</source>
        <translation>未提供验证集时留出的训练数据比例</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <source>Seed of shuffling and augmentation</source>
        <translation>打乱和增强使用的随机种子</translation>
    </message>
    <message>
        <source>Augment images</source>
        <translation>图像增强</translation>
    </message>
    <message>
        <source>Random shifts and flips of image batches</source>
        <translation>对图像批次随机平移和翻转</translation>
    </message>
    <message>
        <source>Mixup</source>
        <translation>Mixup</translation>
    </message>
    <message>
        <source>Mix image pairs, labelled by the teacher (alpha 1 only)</source>
        <translation>混合图像对，由教师标注（仅 alpha 为 1 时）</translation>
    </message>
    <message>
        <source>Dataset</source>
        <translation>数据集</translation>
    </message>
    <message>
        <source>Data this variant is measured on; empty: the pipeline&apos;s</source>
        <translation>测量该变体所用的数据；留空：使用流水线的设置</translation>
    </message>
    <message>
        <source>Samples</source>
        <translation>样本数</translation>
    </message>
    <message>
        <source>Samples evaluated at most; 0: all; -1: the pipeline&apos;s</source>
        <translation>最多评估的样本数；0：全部；-1：使用流水线的设置</translation>
    </message>
</context>
<context>
    <name>autoglm::studio::GenerationJob</name>
    <message>
        <source>A generation is already going</source>
        <translation>已有一个生成任务在进行</translation>
    </message>
    <message>
        <source>Loading %1 and building it with a key/value cache…</source>
        <translation>正在加载 %1 并以键值缓存构建…</translation>
    </message>
    <message>
        <source>Loading %1…</source>
        <translation>正在加载 %1…</translation>
    </message>
    <message>
        <source>Cancelled before generating.</source>
        <translation>在生成之前已取消。</translation>
    </message>
    <message>
        <source>The prompt encodes to no tokens.</source>
        <translation>提示词编码后没有任何 token。</translation>
    </message>
    <message>
        <source>Generating (key/value cache)…</source>
        <translation>正在生成（键值缓存）…</translation>
    </message>
    <message>
        <source>Generating (the whole sequence per token)…</source>
        <translation>正在生成（每个 token 重新运行整个序列）…</translation>
    </message>
</context>
<context>
    <name>autoglm::studio::GenerationPreviewController</name>
    <message>
        <source>Original</source>
        <translation>原始模型</translation>
    </message>
    <message>
        <source>Open a Hugging Face checkpoint folder (File ▸ Open Checkpoint Folder…) to compare its answers with a compressed variant&apos;s.</source>
        <translation>打开一个 Hugging Face 检查点文件夹（文件 ▸ 打开检查点文件夹…），以便将它的回答与压缩变体的回答进行比较。</translation>
    </message>
    <message>
        <source>The open model %1 is not a decoder language model (generation needs an input &apos;input_ids&apos; and an output &apos;logits&apos;). Open a Hugging Face checkpoint folder to preview generation.</source>
        <translation>当前打开的模型 %1 不是解码器语言模型（生成需要输入 &apos;input_ids&apos; 和输出 &apos;logits&apos;）。请打开一个 Hugging Face 检查点文件夹来预览生成。</translation>
    </message>
    <message>
        <source>The open model %1 has no tokenizer.json beside it (%2), so a prompt cannot be turned into tokens.</source>
        <translation>当前打开的模型 %1 旁边没有 tokenizer.json（%2），因此无法把提示词转换为 token。</translation>
    </message>
    <message>
        <source>Original — %1</source>
        <translation>原始模型 — %1</translation>
    </message>
    <message>
        <source>No run results yet. Run a pipeline with an Export stage after the variant&apos;s stages (Run ▸ Run Pipeline), then select the variant.</source>
        <translation>还没有运行结果。请运行一个在变体各阶段之后带有导出阶段的流水线（运行 ▸ 运行流水线），然后选择该变体。</translation>
    </message>
    <message>
        <source>Select a variant in the Variants table or on the trade-off plot to compare it with the original.</source>
        <translation>请在变体表格或权衡图中选择一个变体，以便与原始模型比较。</translation>
    </message>
    <message>
        <source>The original is the left pane already: select a compressed variant.</source>
        <translation>原始模型已经显示在左侧窗格：请选择一个压缩变体。</translation>
    </message>
    <message>
        <source>Variant %1 is not in the run results.</source>
        <translation>变体 %1 不在运行结果中。</translation>
    </message>
    <message>
        <source>Variant %1 did not complete (%2): there is no model to generate with.</source>
        <translation>变体 %1 未完成（%2）：没有可用于生成的模型。</translation>
    </message>
    <message>
        <source>Variant %1 has no exported file. Add an Export stage after this variant&apos;s stages and run the pipeline.</source>
        <translation>变体 %1 没有导出的文件。请在该变体的各阶段之后添加一个导出阶段，然后运行流水线。</translation>
    </message>
    <message>
        <source>The exported file %1 is missing: run the pipeline again.</source>
        <translation>导出的文件 %1 不存在：请重新运行流水线。</translation>
    </message>
    <message>
        <source>There is no tokenizer.json beside %1: export the variant from a Hugging Face checkpoint, whose tokenizer the run copies beside the file.</source>
        <translation>%1 旁边没有 tokenizer.json：请从 Hugging Face 检查点导出该变体，运行时会把检查点的分词器复制到文件旁边。</translation>
    </message>
    <message>
        <source>Variant</source>
        <translation>变体</translation>
    </message>
</context>
<context>
    <name>autoglm::studio::JobController</name>
    <message>
        <source>A run is already going</source>
        <translation>已有一个运行正在进行</translation>
    </message>
    <message>
        <source>The run ended without results</source>
        <translation>运行结束但没有结果</translation>
    </message>
</context>
<context>
    <name>autoglm::studio::MainWindow</name>
    <message>
        <source>Ready</source>
        <translation>就绪</translation>
    </message>
    <message>
        <source>Loading %1…</source>
        <translation>正在加载 %1…</translation>
    </message>
    <message numerus="yes">
        <source>Loaded %1: %n layer(s)</source>
        <translation>
            <numerusform>已加载 %1：%n 层</numerusform>
        </translation>
    </message>
    <message>
        <source>Could not open %1</source>
        <translation>无法打开 %1</translation>
    </message>
    <message>
        <source>Did not open %1</source>
        <translation>未打开 %1</translation>
    </message>
    <message>
        <source>Open TorchScript model?</source>
        <translation>打开 TorchScript 模型？</translation>
    </message>
    <message>
        <source>%1 is a TorchScript archive. Loading it runs code stored in the file, with your permissions. Open it only if you trust where it comes from.</source>
        <translation>%1 是 TorchScript 归档。加载它会以您的权限运行文件中存储的代码。仅在您信任其来源时才打开它。</translation>
    </message>
    <message>
        <source>Could not open model</source>
        <translation>无法打开模型</translation>
    </message>
    <message>
        <source>an untitled pipeline</source>
        <translation>一个未命名的流水线</translation>
    </message>
    <message>
        <source>Recover unsaved work</source>
        <translation>恢复未保存的工作</translation>
    </message>
    <message>
        <source>The last session ended without saving %1 (autosaved %2). Recover the unsaved changes?</source>
        <translation>上次会话结束时未保存 %1（自动保存于 %2）。是否恢复未保存的更改？</translation>
    </message>
    <message>
        <source>Could not recover the pipeline</source>
        <translation>无法恢复流水线</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Open Model…</source>
        <translation>打开模型(&amp;O)…</translation>
    </message>
    <message>
        <source>Open &amp;Recent</source>
        <translation>最近打开(&amp;R)</translation>
    </message>
    <message>
        <source>Open &amp;Checkpoint Folder…</source>
        <translation>打开检查点文件夹(&amp;C)…</translation>
    </message>
    <message>
        <source>Open Hugging Face Checkpoint Folder</source>
        <translation>打开 Hugging Face 检查点文件夹</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;About</source>
        <translation>关于(&amp;A)</translation>
    </message>
    <message>
        <source>About Open-AutoGLM Studio</source>
        <translation>关于 Open-AutoGLM Studio</translation>
    </message>
    <message>
        <source>Open Model</source>
        <translation>打开模型</translation>
    </message>
    <message>
        <source>Models (*.onnx *.pt *.pth config.json *.safetensors);;All files (*)</source>
        <translation>模型 (*.onnx *.pt *.pth config.json *.safetensors);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Set source model</source>
        <translation>设置源模型</translation>
    </message>
    <message>
        <source>Pipeline</source>
        <translation>流水线</translation>
    </message>
    <message>
        <source>Stage</source>
        <translation>阶段</translation>
    </message>
    <message>
        <source>Model inspector</source>
        <translation>模型检查器</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>Trade-offs</source>
        <translation>权衡</translation>
    </message>
    <message>
        <source>Variants</source>
        <translation>变体</translation>
    </message>
    <message>
        <source>Run %1: results in %2</source>
        <translation>运行%1：结果位于 %2</translation>
    </message>
    <message>
        <source>The run could not start</source>
        <translation>无法开始运行</translation>
    </message>
    <message>
        <source>Running %1…</source>
        <translation>正在运行 %1…</translation>
    </message>
    <message>
        <source>%1[*] — Open-AutoGLM Studio</source>
        <translation>%1[*] — Open-AutoGLM Studio</translation>
    </message>
    <message>
        <source>Unsaved changes</source>
        <translation>未保存的更改</translation>
    </message>
    <message>
        <source>The pipeline %1 has changes that are not saved. Save them?</source>
        <translation>流水线 %1 有未保存的更改。要保存吗？</translation>
    </message>
    <message>
        <source>New pipeline</source>
        <translation>新流水线</translation>
    </message>
    <message>
        <source>Could not open pipeline</source>
        <translation>无法打开流水线</translation>
    </message>
    <message>
        <source>Opened pipeline %1</source>
        <translation>已打开流水线 %1</translation>
    </message>
    <message>
        <source>Save Pipeline</source>
        <translation>保存流水线</translation>
    </message>
    <message>
        <source>Pipelines (*.autoglm.json)</source>
        <translation>流水线 (*.autoglm.json)</translation>
    </message>
    <message>
        <source>Could not save pipeline</source>
        <translation>无法保存流水线</translation>
    </message>
    <message>
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
    <message>
        <source>Saved %1; before it can run: %2</source>
        <translation>已保存 %1；运行之前需要：%2</translation>
    </message>
    <message>
        <source>&amp;New Pipeline</source>
        <translation>新建流水线(&amp;N)</translation>
    </message>
    <message>
        <source>Open &amp;Pipeline…</source>
        <translation>打开流水线(&amp;P)…</translation>
    </message>
    <message>
        <source>Open Pipeline</source>
        <translation>打开流水线</translation>
    </message>
    <message>
        <source>Pipelines (*.autoglm.json);;All files (*)</source>
        <translation>流水线 (*.autoglm.json);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Ctrl+Shift+O</source>
        <translation>Ctrl+Shift+O</translation>
    </message>
    <message>
        <source>&amp;Save Pipeline</source>
        <translation>保存流水线(&amp;S)</translation>
    </message>
    <message>
        <source>Save Pipeline &amp;As…</source>
        <translation>流水线另存为(&amp;A)…</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;Undo</source>
        <translation>撤销(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;Redo</source>
        <translation>重做(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Run</source>
        <translation>运行(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Run Pipeline</source>
        <translation>运行流水线(&amp;R)</translation>
    </message>
    <message>
        <source>Ctrl+R</source>
        <translation>Ctrl+R</translation>
    </message>
    <message>
        <source>&amp;Cancel Run</source>
        <translation>取消运行(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>Open-AutoGLM Studio 0.1: inspect ONNX models, TorchScript archives and Hugging Face checkpoints, and build prune, quantize and distill pipelines that the autoglm command runs.</source>
        <translation>Open-AutoGLM Studio 0.1：检查 ONNX 模型、TorchScript 归档和 Hugging Face 检查点，并构建由 autoglm 命令运行的剪枝、量化和蒸馏流水线。</translation>
    </message>
    <message>
        <source>Data</source>
        <translation>数据</translation>
    </message>
    <message>
        <source>Training</source>
        <translation>训练</translation>
    </message>
    <message>
        <source>Export Chart</source>
        <translation>导出图表</translation>
    </message>
    <message>
        <source>PNG image (*.png);;SVG drawing (*.svg);;PDF (*.pdf)</source>
        <translation>PNG 图像 (*.png);;SVG 矢量图 (*.svg);;PDF (*.pdf)</translation>
    </message>
    <message>
        <source>Could not export the chart</source>
        <translation>无法导出图表</translation>
    </message>
    <message>
        <source>Export Table</source>
        <translation>导出表格</translation>
    </message>
    <message>
        <source>CSV (*.csv)</source>
        <translation>CSV (*.csv)</translation>
    </message>
    <message>
        <source>Could not export the table</source>
        <translation>无法导出表格</translation>
    </message>
    <message>
        <source>Export Report</source>
        <translation>导出报告</translation>
    </message>
    <message>
        <source>HTML (*.html)</source>
        <translation>HTML (*.html)</translation>
    </message>
    <message>
        <source>Could not export the report</source>
        <translation>无法导出报告</translation>
    </message>
    <message>
        <source>No ONNX file for this variant</source>
        <translation>该变体没有 ONNX 文件</translation>
    </message>
    <message>
        <source>Select a variant whose stages end in an Export stage, and run the pipeline.</source>
        <translation>请选择以导出阶段结尾的变体，并运行流水线。</translation>
    </message>
    <message>
        <source>Export Variant</source>
        <translation>导出变体</translation>
    </message>
    <message>
        <source>ONNX (*.onnx)</source>
        <translation>ONNX (*.onnx)</translation>
    </message>
    <message>
        <source>Could not export the variant</source>
        <translation>无法导出变体</translation>
    </message>
    <message>
        <source>Copying %1 to %2 failed</source>
        <translation>将 %1 复制到 %2 失败</translation>
    </message>
    <message>
        <source>E&amp;xport</source>
        <translation>导出(&amp;X)</translation>
    </message>
    <message>
        <source>Accuracy vs &amp;Latency Chart…</source>
        <translation>精度-延迟图表(&amp;L)…</translation>
    </message>
    <message>
        <source>Accuracy vs &amp;Size Chart…</source>
        <translation>精度-大小图表(&amp;S)…</translation>
    </message>
    <message>
        <source>Variant &amp;Table (CSV)…</source>
        <translation>变体表格 (CSV)(&amp;T)…</translation>
    </message>
    <message>
        <source>HTML &amp;Report…</source>
        <translation>HTML 报告(&amp;R)…</translation>
    </message>
    <message>
        <source>Selected Variant as &amp;ONNX…</source>
        <translation>将选中的变体导出为 ONNX(&amp;O)…</translation>
    </message>
    <message>
        <source>&amp;Preferences…</source>
        <translation>首选项(&amp;P)…</translation>
    </message>
    <message>
        <source>Generation Preview</source>
        <translation>生成预览</translation>
    </message>
    <message>
        <source>Auto-tuning complete</source>
        <translation>自动调优完成</translation>
    </message>
    <message>
        <source>Nothing to tune</source>
        <translation>没有可调优的内容</translation>
    </message>
    <message>
        <source>Open a model first (File ▸ Open Model).</source>
        <translation>请先打开一个模型（文件 ▸ 打开模型）。</translation>
    </message>
    <message>
        <source>Auto-tuning could not start</source>
        <translation>无法开始自动调优</translation>
    </message>
    <message>
        <source>A pipeline run is going; wait for it or cancel it.</source>
        <translation>有一个流水线正在运行；请等待它结束或取消它。</translation>
    </message>
    <message>
        <source>Auto-tuning %1…</source>
        <translation>正在自动调优 %1…</translation>
    </message>
    <message>
        <source>&amp;Undo %1</source>
        <translation>撤销 %1(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;Redo %1</source>
        <translation>重做 %1(&amp;R)</translation>
    </message>
    <message>
        <source>Analyze &amp;Sensitivity</source>
        <translation>分析敏感度(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Auto-tune…</source>
        <translation>自动调优(&amp;A)…</translation>
    </message>
</context>
<context>
    <name>autoglm::studio::SensitivityJob</name>
    <message>
        <source>A sensitivity analysis is already running</source>
        <translation>已有一个敏感度分析正在运行</translation>
    </message>
    <message>
        <source>Open a model first: the analysis probes the layers of the model on screen.</source>
        <translation>请先打开一个模型：分析会逐层探测当前显示的模型。</translation>
    </message>
    <message>
        <source>No data to judge the layers on: add an evaluation dataset in the Data panel (or open a pipeline that has one), then analyse again.</source>
        <translation>没有可用于评判各层的数据：请在数据面板中添加评估数据集（或打开一个带有数据集的流水线），然后重新分析。</translation>
    </message>
    <message>
        <source>Sensitivity analysis cancelled</source>
        <translation>敏感度分析已取消</translation>
    </message>
    <message>
        <source>Sensitivity analysis failed: %1</source>
        <translation>敏感度分析失败：%1</translation>
    </message>
</context>
<context>
    <name>autoglm::studio::TuneController</name>
    <message>
        <source>Per-layer sensitivity</source>
        <translation>逐层敏感度</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <source>Export the best</source>
        <translation>导出最佳变体</translation>
    </message>
    <message>
        <source>Auto-tuning is already running</source>
        <translation>自动调优已在运行</translation>
    </message>
    <message>
        <source>Auto-tuning %1 for the %2 within %3</source>
        <translation>正在自动调优 %1，目标为%2，预算 %3</translation>
    </message>
    <message>
        <source>lowest latency</source>
        <translation>最低延迟</translation>
    </message>
    <message>
        <source>smallest file</source>
        <translation>最小文件</translation>
    </message>
    <message>
        <source>Best within budget: %1 — %2; wrote %3</source>
        <translation>预算内的最佳变体：%1 — %2；已写入 %3</translation>
    </message>
    <message>
        <source>No candidate stays within the budget; the variant table shows how close each came</source>
        <translation>没有候选在预算之内；变体表格显示了每个候选的接近程度</translation>
    </message>
    <message>
        <source>Auto-tuning done</source>
        <translation>自动调优完成</translation>
    </message>
    <message>
        <source>The best variant is %1. Open %2 as the current pipeline?</source>
        <translation>最佳变体是 %1。要将 %2 作为当前流水线打开吗？</translation>
    </message>
</context>
<context>
    <name>autoglm::studio::TuneJob</name>
    <message>
        <source>Auto-tuning is already running</source>
        <translation>自动调优已在运行</translation>
    </message>
    <message>
        <source>Choose an output folder</source>
        <translation>请选择输出文件夹</translation>
    </message>
    <message>
        <source>Auto-tuning cancelled; nothing was written</source>
        <translation>自动调优已取消；未写入任何文件</translation>
    </message>
    <message>
        <source>Auto-tuning failed: %1</source>
        <translation>自动调优失败：%1</translation>
    </message>
    <message>
        <source>no result</source>
        <translation>没有结果</translation>
    </message>
</context>
<context>
    <name>autoglm::widgets::DataPanel</name>
    <message>
        <source>Add</source>
        <translation>添加</translation>
    </message>
    <message>
        <source>Add a dataset: .npy images and labels, an image folder, a text file, or synthetic inputs</source>
        <translation>添加数据集：.npy 图像和标签、图像文件夹、文本文件或合成输入</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>…</source>
        <translation>…</translation>
    </message>
    <message>
        <source>Choose</source>
        <translation>选择</translation>
    </message>
    <message>
        <source>Id</source>
        <translation>Id</translation>
    </message>
    <message>
        <source>How stages and the evaluation name this dataset</source>
        <translation>各阶段和评估引用此数据集所用的名称</translation>
    </message>
    <message>
        <source>images: .npy arrays; image-folder: a sub-folder per class; text: a text file; synthetic: inputs drawn from the model&apos;s input shapes</source>
        <translation>images：.npy 数组；image-folder：每个类别一个子文件夹；text：文本文件；synthetic：按模型输入形状生成的输入</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Images (.npy)</source>
        <translation>图像 (.npy)</translation>
    </message>
    <message>
        <source>Array of images [N, C, H, W]; uint8 pixels are scaled by 1/255</source>
        <translation>图像数组 [N, C, H, W]；uint8 像素按 1/255 缩放</translation>
    </message>
    <message>
        <source>Labels (.npy)</source>
        <translation>标签 (.npy)</translation>
    </message>
    <message>
        <source>Class of each image [N] (optional)</source>
        <translation>每张图像的类别 [N]（可选）</translation>
    </message>
    <message>
        <source>Path</source>
        <translation>路径</translation>
    </message>
    <message>
        <source>The text file, or the folder with one sub-folder of images per class</source>
        <translation>文本文件，或每个类别一个图像子文件夹的文件夹</translation>
    </message>
    <message>
        <source>Samples</source>
        <translation>样本数</translation>
    </message>
    <message>
        <source>Images or windows used at most; 0: all</source>
        <translation>最多使用的图像或窗口数；0：全部</translation>
    </message>
    <message>
        <source>Pixel scale</source>
        <translation>像素缩放</translation>
    </message>
    <message>
        <source>Factor applied to pixels; 0: 1/255 for uint8, else 1</source>
        <translation>应用于像素的系数；0：uint8 为 1/255，否则为 1</translation>
    </message>
    <message>
        <source>Context</source>
        <translation>上下文</translation>
    </message>
    <message>
        <source>Tokens per window (text) or sequence length (synthetic)</source>
        <translation>每个窗口的词元数（文本）或序列长度（合成）</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <source>Seed of the synthetic inputs</source>
        <translation>合成输入的随机种子</translation>
    </message>
    <message>
        <source>Add dataset</source>
        <translation>添加数据集</translation>
    </message>
    <message>
        <source>Remove dataset</source>
        <translation>移除数据集</translation>
    </message>
    <message>
        <source>Rename dataset</source>
        <translation>重命名数据集</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a number</source>
        <translation>&apos;%1&apos; 不是数字</translation>
    </message>
    <message>
        <source>Edit dataset</source>
        <translation>编辑数据集</translation>
    </message>
    <message>
        <source>Image Folder</source>
        <translation>图像文件夹</translation>
    </message>
    <message>
        <source>Choose File</source>
        <translation>选择文件</translation>
    </message>
    <message>
        <source>Text (*.txt);;All files (*)</source>
        <translation>文本 (*.txt);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Arrays (*.npy *-ubyte *-ubyte.gz *.idx *.idx.gz);;All files (*)</source>
        <translation>数组 (*.npy *-ubyte *-ubyte.gz *.idx *.idx.gz);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Add the data the pipeline calibrates, trains and evaluates on.</source>
        <translation>添加流水线用于校准、训练和评估的数据。</translation>
    </message>
    <message>
        <source>Reading…</source>
        <translation>正在读取…</translation>
    </message>
</context>
<context>
    <name>autoglm::widgets::DatasetPreview</name>
    <message>
        <source>images %1 %2</source>
        <translation>图像 %1 %2</translation>
    </message>
    <message>
        <source> · labels %1 %2</source>
        <translation> · 标签 %1 %2</translation>
    </message>
    <message>
        <source> · too large for thumbnails</source>
        <translation> · 太大，无法显示缩略图</translation>
    </message>
    <message>
        <source> · no thumbnails for this layout</source>
        <translation> · 此布局无法显示缩略图</translation>
    </message>
    <message>
        <source>No folder %1</source>
        <translation>没有文件夹 %1</translation>
    </message>
    <message>
        <source>%1 classes, %2 images</source>
        <translation>%1 个类别，%2 张图像</translation>
    </message>
    <message>
        <source>Cannot open %1</source>
        <translation>无法打开 %1</translation>
    </message>
    <message>
        <source>text, %1 bytes, windows of %2 tokens</source>
        <translation>文本，%1 字节，每个窗口 %2 个词元</translation>
    </message>
    <message>
        <source>%1 inputs drawn from the model&apos;s input shapes (seed %2); metrics compare with the original model</source>
        <translation>按模型输入形状生成 %1 个输入（种子 %2）；指标与原始模型比较</translation>
    </message>
</context>
<context>
    <name>autoglm::widgets::GenerationPreview</name>
    <message>
        <source>Generate</source>
        <translation>生成</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Type a prompt for both models to continue</source>
        <translation>输入一段提示词，由两个模型分别续写</translation>
    </message>
    <message>
        <source>Stop after this many new tokens (the model&apos;s end token stops earlier)</source>
        <translation>生成这么多新 token 后停止（模型的结束 token 会更早停止）</translation>
    </message>
    <message>
        <source>Both models continue the prompt greedily, token by token (Ctrl+Enter)</source>
        <translation>两个模型逐个 token 贪心续写提示词（Ctrl+Enter）</translation>
    </message>
    <message>
        <source>Stop both generations; what was generated so far stays</source>
        <translation>停止两边的生成；已生成的内容会保留</translation>
    </message>
    <message>
        <source>Max new tokens</source>
        <translation>最大新 token 数</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <source>Original</source>
        <translation>原始模型</translation>
    </message>
    <message>
        <source>Variant</source>
        <translation>变体</translation>
    </message>
    <message>
        <source>The continuation appears here as it is generated.</source>
        <translation>续写内容会在生成时显示在这里。</translation>
    </message>
    <message>
        <source>Generating… Cancel stops both sides.</source>
        <translation>正在生成… 点击取消可停止两边。</translation>
    </message>
    <message>
        <source>Type a prompt, then Generate (Ctrl+Enter).</source>
        <translation>输入提示词，然后点击生成（Ctrl+Enter）。</translation>
    </message>
    <message>
        <source>Ready: both models continue the same prompt greedily.</source>
        <translation>就绪：两个模型将贪心续写同一段提示词。</translation>
    </message>
    <message>
        <source>Prompt: %1 tokens in %2 ms · %3 new tokens at %4 tokens/s</source>
        <translation>提示词：%1 个 token，用时 %2 毫秒 · %3 个新 token，%4 token/秒</translation>
    </message>
    <message>
        <source>Cancelled. %1</source>
        <translation>已取消。%1</translation>
    </message>
    <message>
        <source>(Cancelled.)</source>
        <translation>（已取消。）</translation>
    </message>
    <message>
        <source>No comparison: one side did not generate.</source>
        <translation>无法比较：有一侧没有生成。</translation>
    </message>
    <message>
        <source>The continuations differ from the first token on (character %1, marked).</source>
        <translation>两段续写从第一个 token 起就不同（第 %1 个字符，已标记）。</translation>
    </message>
    <message numerus="yes">
        <source>The continuations first differ at token %1 (character %2, marked): the first %n token(s) agree.</source>
        <translation>
            <numerusform>两段续写首次在第 %1 个 token 处不同（第 %2 个字符，已标记）：前 %n 个 token 相同。</numerusform>
        </translation>
    </message>
    <message>
        <source>The texts agree so far, but the tokens first differ at token %1.</source>
        <translation>目前文本相同，但 token 首次在第 %1 个处不同。</translation>
    </message>
    <message numerus="yes">
        <source>The continuations are identical (%n token(s)).</source>
        <translation>
            <numerusform>两段续写完全相同（%n 个 token）。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Identical so far (%n token(s)).</source>
        <translation>
            <numerusform>目前相同（%n 个 token）。</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>autoglm::widgets::LayerTableModel</name>
    <message>
        <source>Layer</source>
        <translation>层</translation>
    </message>
    <message>
        <source>Op</source>
        <translation>算子</translation>
    </message>
    <message>
        <source>Input shape</source>
        <translation>输入形状</translation>
    </message>
    <message>
        <source>Output shape</source>
        <translation>输出形状</translation>
    </message>
    <message>
        <source>Weight shape</source>
        <translation>权重形状</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>参数量</translation>
    </message>
    <message>
        <source>MACs</source>
        <translation>乘加次数</translation>
    </message>
    <message>
        <source>Bytes</source>
        <translation>字节</translation>
    </message>
    <message>
        <source>not run</source>
        <translation>未运行</translation>
    </message>
    <message>
        <source>%1 points</source>
        <translation>%1 个百分点</translation>
    </message>
    <message>
        <source>%1 %</source>
        <translation>%1 %</translation>
    </message>
    <message>
        <source>Not analysed yet: Analyze sensitivity measures each layer alone at INT8, INT4 and 50% pruned</source>
        <translation>尚未分析：“分析敏感度”会单独测量每一层在 INT8、INT4 和剪枝 50% 时的表现</translation>
    </message>
    <message>
        <source>Not probed: %1</source>
        <translation>未探测：%1</translation>
    </message>
    <message>
        <source>Not probed: the layer has no weights to compress</source>
        <translation>未探测：该层没有可压缩的权重</translation>
    </message>
    <message>
        <source>Drop of %1 (baseline %2) when this layer alone changes; positive is worse:</source>
        <translation>仅改变该层时 %1 的下降（基线 %2）；正值表示变差：</translation>
    </message>
    <message>
        <source>INT8 weights: %1</source>
        <translation>INT8 权重：%1</translation>
    </message>
    <message>
        <source>INT4 weights: %1</source>
        <translation>INT4 权重：%1</translation>
    </message>
    <message>
        <source>%1% pruned: %2</source>
        <translation>剪枝 %1%：%2</translation>
    </message>
    <message>
        <source>The worst drop of the task metric when this layer alone gets INT8 or INT4 weights or is pruned (points of top-1/agreement, or percent of perplexity)</source>
        <translation>仅该层使用 INT8 或 INT4 权重或被剪枝时任务指标的最大下降（top-1/一致率的百分点，或困惑度的百分比）</translation>
    </message>
    <message>
        <source>Sensitivity</source>
        <translation>敏感度</translation>
    </message>
</context>
<context>
    <name>autoglm::widgets::ModelInspector</name>
    <message>
        <source>Filter layers by name or op…</source>
        <translation>按名称或算子筛选层…</translation>
    </message>
    <message>
        <source>Inputs: %1&lt;br&gt;Outputs: %2&lt;br&gt;</source>
        <translation>输入：%1&lt;br&gt;输出：%2&lt;br&gt;</translation>
    </message>
    <message>
        <source>Parameters: %1 · Weights: %2 · File: %3 · Opset: %4 · Producer: %5</source>
        <translation>参数量：%1 · 权重：%2 · 文件：%3 · 算子集：%4 · 生成工具：%5</translation>
    </message>
    <message>
        <source>MACs: %1 (for %2)</source>
        <translation>乘加次数：%1（输入 %2）</translation>
    </message>
    <message>
        <source>Drop an ONNX model or a Hugging Face checkpoint folder here, or use File ▸ Open.</source>
        <translation>将 ONNX 模型或 Hugging Face 检查点文件夹拖放到此处，或使用 文件 ▸ 打开。</translation>
    </message>
    <message>
        <source>Analyze sensitivity</source>
        <translation>分析敏感度</translation>
    </message>
    <message>
        <source>Measure each layer alone at INT8, INT4 and 50% pruned on the pipeline&apos;s evaluation data, and colour the Sensitivity column by the drop</source>
        <translation>在流水线的评估数据上单独测量每一层在 INT8、INT4 和剪枝 50% 时的表现，并按下降幅度为敏感度列着色</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Stop the analysis; nothing is shown from it</source>
        <translation>停止分析；不会显示其任何结果</translation>
    </message>
    <message>
        <source>Analysing sensitivity…</source>
        <translation>正在分析敏感度…</translation>
    </message>
    <message>
        <source>Analysing sensitivity: %1</source>
        <translation>正在分析敏感度：%1</translation>
    </message>
    <message>
        <source>Sensitivity on %1 (baseline %2): the worst of INT8, INT4 and pruning per layer, in %3</source>
        <translation>基于 %1 的敏感度（基线 %2）：每层取 INT8、INT4 和剪枝中最差的一项，单位为%3</translation>
    </message>
    <message>
        <source>points</source>
        <translation>百分点</translation>
    </message>
    <message>
        <source>percent</source>
        <translation>百分比</translation>
    </message>
</context>
<context>
    <name>autoglm::widgets::PipelineCanvas</name>
    <message>
        <source>Auto-layout</source>
        <translation>自动布局</translation>
    </message>
    <message>
        <source>Place the stages by depth from the source</source>
        <translation>按与源的深度排列各阶段</translation>
    </message>
    <message>
        <source>Zoom in</source>
        <translation>放大</translation>
    </message>
    <message>
        <source>Zoom out</source>
        <translation>缩小</translation>
    </message>
    <message>
        <source>Fit</source>
        <translation>适应</translation>
    </message>
    <message>
        <source>Show the whole pipeline</source>
        <translation>显示整个流水线</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Delete the selected stages (Delete key); their children then read their parent</source>
        <translation>删除选中的阶段（Delete 键）；其子阶段改为读取其父阶段</translation>
    </message>
    <message>
        <source>Not connected: %1</source>
        <translation>未连接：%1</translation>
    </message>
    <message>
        <source>Add %1 stage</source>
        <translation>添加%1阶段</translation>
    </message>
</context>
<context>
    <name>autoglm::widgets::PipelineDocument</name>
    <message>
        <source>Name pipeline</source>
        <translation>命名流水线</translation>
    </message>
    <message>
        <source>Untitled pipeline</source>
        <translation>未命名流水线</translation>
    </message>
</context>
<context>
    <name>autoglm::widgets::PipelineGraphModel</name>
    <message>
        <source>No such node</source>
        <translation>没有该节点</translation>
    </message>
    <message>
        <source>The source model reads no other stage</source>
        <translation>源模型不读取其他阶段</translation>
    </message>
    <message>
        <source>A stage cannot read its own output</source>
        <translation>阶段不能读取自己的输出</translation>
    </message>
    <message>
        <source>That would make a cycle: the stage comes after this one</source>
        <translation>这会形成环：该阶段位于此阶段之后</translation>
    </message>
    <message>
        <source>An export stage ends its branch</source>
        <translation>导出阶段是其分支的终点</translation>
    </message>
    <message>
        <source>No such stage</source>
        <translation>没有该阶段</translation>
    </message>
    <message>
        <source>A stage id is letters, digits, &apos;_&apos;, &apos;-&apos; or &apos;.&apos; (at most 64 characters), and not &apos;source&apos;</source>
        <translation>阶段 id 由字母、数字、&apos;_&apos;、&apos;-&apos; 或 &apos;.&apos; 组成（至多 64 个字符），且不能是 &apos;source&apos;</translation>
    </message>
    <message>
        <source>Another stage is called &apos;%1&apos;</source>
        <translation>已有另一个阶段名为 &apos;%1&apos;</translation>
    </message>
    <message>
        <source>A dataset id is letters, digits, &apos;_&apos;, &apos;-&apos; or &apos;.&apos; (at most 64 characters)</source>
        <translation>数据集 id 由字母、数字、&apos;_&apos;、&apos;-&apos; 或 &apos;.&apos; 组成（至多 64 个字符）</translation>
    </message>
    <message>
        <source>Another dataset is called &apos;%1&apos;</source>
        <translation>已有另一个数据集名为 &apos;%1&apos;</translation>
    </message>
    <message>
        <source>No such dataset</source>
        <translation>没有该数据集</translation>
    </message>
</context>
<context>
    <name>autoglm::widgets::PipelineScene</name>
    <message>
        <source>pipeline&apos;s data</source>
        <translation>流水线的数据</translation>
    </message>
    <message>
        <source>Add %1 stage</source>
        <translation>添加%1阶段</translation>
    </message>
    <message>
        <source>Delete stage</source>
        <translation>删除阶段</translation>
    </message>
    <message numerus="yes">
        <source>Delete %n stage(s)</source>
        <translation>
            <numerusform>删除 %n 个阶段</numerusform>
        </translation>
    </message>
    <message>
        <source>Move stage</source>
        <translation>移动阶段</translation>
    </message>
    <message numerus="yes">
        <source>Move %n stage(s)</source>
        <translation>
            <numerusform>移动 %n 个阶段</numerusform>
        </translation>
    </message>
    <message>
        <source>Connect stages</source>
        <translation>连接阶段</translation>
    </message>
    <message>
        <source>Source model</source>
        <translation>源模型</translation>
    </message>
    <message>
        <source>none: open a model</source>
        <translation>无：请打开模型</translation>
    </message>
</context>
<context>
    <name>autoglm::widgets::ReportWriter</name>
    <message>
        <source>Compression report: %1</source>
        <translation>压缩报告：%1</translation>
    </message>
    <message>
        <source>Model: %1 · status: %2 · %3</source>
        <translation>模型：%1 · 状态：%2 · %3</translation>
    </message>
    <message>
        <source>Trade-offs</source>
        <translation>权衡</translation>
    </message>
    <message>
        <source>Variants</source>
        <translation>变体</translation>
    </message>
    <message>
        <source>Variant</source>
        <translation>变体</translation>
    </message>
    <message>
        <source>Stages</source>
        <translation>阶段</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>File size (KB)</source>
        <translation>文件大小（KB）</translation>
    </message>
    <message>
        <source>Latency (ms)</source>
        <translation>延迟（毫秒）</translation>
    </message>
    <message>
        <source>Metric</source>
        <translation>指标</translation>
    </message>
    <message>
        <source>Δ metric</source>
        <translation>Δ 指标</translation>
    </message>
    <message>
        <source>How each variant was made</source>
        <translation>各变体的生成方式</translation>
    </message>
    <message>
        <source>Failed: %1</source>
        <translation>失败：%1</translation>
    </message>
    <message>
        <source>Pipeline file</source>
        <translation>流水线文件</translation>
    </message>
</context>
<context>
    <name>autoglm::widgets::RunPanel</name>
    <message>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Run the pipeline: every variant is built, measured and plotted as it finishes</source>
        <translation>运行流水线：每个变体完成后即被构建、测量并绘制</translation>
    </message>
    <message>
        <source>Stop after the current step; the variants measured so far are kept</source>
        <translation>在当前步骤后停止；保留已测量的变体</translation>
    </message>
    <message>
        <source>Stage</source>
        <translation>阶段</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>进度</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <source>Elapsed</source>
        <translation>已用时间</translation>
    </message>
    <message>
        <source>Estimated time left</source>
        <translation>预计剩余时间</translation>
    </message>
    <message>
        <source>Measure the original</source>
        <translation>测量原始模型</translation>
    </message>
    <message>
        <source>waiting</source>
        <translation>等待中</translation>
    </message>
    <message numerus="yes">
        <source>Planned %n stage(s), %1 variant(s)</source>
        <translation>
            <numerusform>已规划 %n 个阶段、%1 个变体</numerusform>
        </translation>
    </message>
    <message>
        <source>running</source>
        <translation>运行中</translation>
    </message>
    <message>
        <source>Started %1</source>
        <translation>开始 %1</translation>
    </message>
    <message>
        <source>done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>Finished %1: %2</source>
        <translation>完成 %1：%2</translation>
    </message>
    <message>
        <source>failed: %1</source>
        <translation>失败：%1</translation>
    </message>
    <message>
        <source>Failed %1: %2</source>
        <translation>失败 %1：%2</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>Cancelled %1</source>
        <translation>已取消 %1</translation>
    </message>
    <message>
        <source>Run complete</source>
        <translation>运行完成</translation>
    </message>
    <message>
        <source>Run cancelled</source>
        <translation>运行已取消</translation>
    </message>
    <message>
        <source>Run failed</source>
        <translation>运行失败</translation>
    </message>
    <message>
        <source>elapsed %1</source>
        <translation>已用 %1</translation>
    </message>
    <message>
        <source>about %1 left</source>
        <translation>约剩 %1</translation>
    </message>
    <message>
        <source>estimating…</source>
        <translation>正在估算…</translation>
    </message>
</context>
<context>
    <name>autoglm::widgets::SettingsDialog</name>
    <message>
        <source>Preferences</source>
        <translation>首选项</translation>
    </message>
    <message>
        <source>Automatic (all cores but one)</source>
        <translation>自动（除一个核心外全部）</translation>
    </message>
    <message>
        <source>Compute threads of a run</source>
        <translation>运行使用的计算线程数</translation>
    </message>
    <message>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <source>CUDA GPU</source>
        <translation>CUDA GPU</translation>
    </message>
    <message>
        <source>System language</source>
        <translation>系统语言</translation>
    </message>
    <message>
        <source>Follow the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>浅色</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>深色</translation>
    </message>
    <message>
        <source>Threads</source>
        <translation>线程</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Theme</source>
        <translation>主题</translation>
    </message>
</context>
<context>
    <name>autoglm::widgets::StageForm</name>
    <message>
        <source>Source model and evaluation</source>
        <translation>源模型与评估</translation>
    </message>
    <message>
        <source>%1 stage</source>
        <translation>%1阶段</translation>
    </message>
    <message>
        <source>Select a node of the pipeline to edit it</source>
        <translation>选择流水线中的节点以编辑</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <source>Id</source>
        <translation>Id</translation>
    </message>
    <message>
        <source>Names the stage in the pipeline file, results and sweeps</source>
        <translation>阶段在流水线文件、结果和扫描中的名称</translation>
    </message>
    <message>
        <source>Label</source>
        <translation>标签</translation>
    </message>
    <message>
        <source>Shown on the canvas instead of the id (optional)</source>
        <translation>在画布上代替 id 显示（可选）</translation>
    </message>
    <message>
        <source>Calibration data</source>
        <translation>校准数据</translation>
    </message>
    <message>
        <source>Training data</source>
        <translation>训练数据</translation>
    </message>
    <message>
        <source>Validation data</source>
        <translation>验证数据</translation>
    </message>
    <message>
        <source>Samples the pass observes to choose ranges or reconstruct</source>
        <translation>该步骤用于选择范围或重建的样本</translation>
    </message>
    <message>
        <source>Inputs the student learns to match the teacher on</source>
        <translation>学生模型学习匹配教师模型所用的输入</translation>
    </message>
    <message>
        <source>Held-out inputs for early stopping (optional)</source>
        <translation>用于提前停止的留出输入（可选）</translation>
    </message>
    <message>
        <source>Output file</source>
        <translation>输出文件</translation>
    </message>
    <message>
        <source>ONNX file inside the run&apos;s output folder; {variant} is the variant id</source>
        <translation>运行输出文件夹中的 ONNX 文件；{variant} 为变体 id</translation>
    </message>
    <message>
        <source>default: %1</source>
        <translation>默认：%1</translation>
    </message>
    <message>
        <source>Pipeline name</source>
        <translation>流水线名称</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Data every variant&apos;s task metric is measured on; none: size, latency and agreement only</source>
        <translation>测量各变体任务指标所用的数据；无：仅测量大小、延迟和一致性</translation>
    </message>
    <message>
        <source>Evaluation data</source>
        <translation>评估数据</translation>
    </message>
    <message>
        <source>Samples evaluated at most; 0: all</source>
        <translation>最多评估的样本数；0：全部</translation>
    </message>
    <message>
        <source>Evaluation samples</source>
        <translation>评估样本数</translation>
    </message>
    <message>
        <source>Time every variant (median of repeated runs)</source>
        <translation>为每个变体计时（多次运行的中位数）</translation>
    </message>
    <message>
        <source>Measure latency</source>
        <translation>测量延迟</translation>
    </message>
    <message>
        <source>Before it can run: %1</source>
        <translation>运行之前需要：%1</translation>
    </message>
    <message>
        <source>none yet: File ▸ Open Model</source>
        <translation>尚无：文件 ▸ 打开模型</translation>
    </message>
    <message>
        <source>%1: &apos;%2&apos; is not %3</source>
        <translation>%1：&apos;%2&apos; 不是%3</translation>
    </message>
    <message>
        <source>an integer</source>
        <translation>整数</translation>
    </message>
    <message>
        <source>a number</source>
        <translation>数字</translation>
    </message>
    <message>
        <source>Set %1</source>
        <translation>设置%1</translation>
    </message>
    <message>
        <source>Rename stage</source>
        <translation>重命名阶段</translation>
    </message>
    <message>
        <source>Edit stage</source>
        <translation>编辑阶段</translation>
    </message>
    <message>
        <source>Evaluation samples: a whole number, 0 for all</source>
        <translation>评估样本数：一个整数，0 表示全部</translation>
    </message>
    <message>
        <source>Edit pipeline</source>
        <translation>编辑流水线</translation>
    </message>
    <message>
        <source>(no sweep)</source>
        <translation>（不扫描）</translation>
    </message>
    <message>
        <source>Repeat this stage and the ones after it once per value: one variant per value</source>
        <translation>对每个取值重复此阶段及其后续阶段：每个取值一个变体</translation>
    </message>
    <message>
        <source>Sweep</source>
        <translation>扫描</translation>
    </message>
    <message>
        <source>values, separated by commas</source>
        <translation>取值，以逗号分隔</translation>
    </message>
    <message>
        <source>Sweep values</source>
        <translation>扫描取值</translation>
    </message>
    <message>
        <source>Edit sweep</source>
        <translation>编辑扫描</translation>
    </message>
</context>
<context>
    <name>autoglm::widgets::StageKinds</name>
    <message>
        <source>Prune</source>
        <translation>剪枝</translation>
    </message>
    <message>
        <source>Quantize</source>
        <translation>量化</translation>
    </message>
    <message>
        <source>Distill</source>
        <translation>蒸馏</translation>
    </message>
    <message>
        <source>Evaluate</source>
        <translation>评估</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <source>Zero or remove weights: unstructured, N:M or whole channels</source>
        <translation>置零或移除权重：非结构化、N:M 或整个通道</translation>
    </message>
    <message>
        <source>Store weights (and activations) in 8 or 4 bits</source>
        <translation>以 8 位或 4 位存储权重（及激活）</translation>
    </message>
    <message>
        <source>Train the compressed model to match the original</source>
        <translation>训练压缩后的模型以匹配原始模型</translation>
    </message>
    <message>
        <source>End a variant here and measure it on chosen data</source>
        <translation>在此结束一个变体，并在所选数据上测量</translation>
    </message>
    <message>
        <source>Write the variant as an ONNX file</source>
        <translation>将变体写为 ONNX 文件</translation>
    </message>
</context>
<context>
    <name>autoglm::widgets::StagePalette</name>
    <message>
        <source>Drag onto the canvas, or double-click to add</source>
        <translation>拖到画布上，或双击添加</translation>
    </message>
</context>
<context>
    <name>autoglm::widgets::TradeoffPlot</name>
    <message>
        <source>Latency (ms)</source>
        <translation>延迟（毫秒）</translation>
    </message>
    <message>
        <source>File size (KB)</source>
        <translation>文件大小（KB）</translation>
    </message>
    <message>
        <source>Metric</source>
        <translation>指标</translation>
    </message>
    <message>
        <source>Variants</source>
        <translation>变体</translation>
    </message>
    <message>
        <source>Pareto front</source>
        <translation>帕累托前沿</translation>
    </message>
    <message>
        <source>Original</source>
        <translation>原始模型</translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation>%1 毫秒</translation>
    </message>
    <message>
        <source>%1 KB</source>
        <translation>%1 KB</translation>
    </message>
    <message>
        <source>%1
%2
%3 %4, %5</source>
        <translation>%1
%2
%3 %4，%5</translation>
    </message>
    <message>
        <source>original</source>
        <translation>原始模型</translation>
    </message>
    <message>
        <source>Charts are saved as .png, .svg or .pdf, not &apos;%1&apos;</source>
        <translation>图表可保存为 .png、.svg 或 .pdf，而不是 &apos;%1&apos;</translation>
    </message>
    <message>
        <source>Could not write %1</source>
        <translation>无法写入 %1</translation>
    </message>
</context>
<context>
    <name>autoglm::widgets::TrainingPlot</name>
    <message>
        <source>Step</source>
        <translation>步</translation>
    </message>
    <message>
        <source>Loss</source>
        <translation>损失</translation>
    </message>
    <message>
        <source>Validation</source>
        <translation>验证</translation>
    </message>
</context>
<context>
    <name>autoglm::widgets::TuneDialog</name>
    <message>
        <source>Auto-tune</source>
        <translation>自动调优</translation>
    </message>
    <message>
        <source>Smallest file</source>
        <translation>最小文件</translation>
    </message>
    <message>
        <source>Lowest latency</source>
        <translation>最低延迟</translation>
    </message>
    <message>
        <source>The largest drop of the task metric you accept against the original</source>
        <translation>相对原始模型，您可接受的任务指标最大下降</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <source>Enables GPTQ for 4-bit weights and static INT8 activations for latency</source>
        <translation>启用 4 位权重的 GPTQ，以及面向延迟的静态 INT8 激活</translation>
    </message>
    <message>
        <source>Channel-pruned candidates are distilled on it</source>
        <translation>通道剪枝的候选会在其上蒸馏</translation>
    </message>
    <message>
        <source>as the pipeline evaluates</source>
        <translation>与流水线的评估相同</translation>
    </message>
    <message>
        <source>Images or windows per candidate while searching; the best are measured again on the pipeline&apos;s whole evaluation</source>
        <translation>搜索时每个候选使用的图像或窗口数；最佳候选会在流水线的完整评估上重新测量</translation>
    </message>
    <message>
        <source>Try removing channels (10%, 20%, 30%)</source>
        <translation>尝试移除通道（10%、20%、30%）</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Objective</source>
        <translation>目标</translation>
    </message>
    <message>
        <source>Accuracy budget</source>
        <translation>精度预算</translation>
    </message>
    <message>
        <source>Evaluation data</source>
        <translation>评估数据</translation>
    </message>
    <message>
        <source>Calibration data</source>
        <translation>校准数据</translation>
    </message>
    <message>
        <source>Training data</source>
        <translation>训练数据</translation>
    </message>
    <message>
        <source>Search samples</source>
        <translation>搜索样本数</translation>
    </message>
    <message>
        <source>Output folder</source>
        <translation>输出文件夹</translation>
    </message>
    <message>
        <source>Auto-tune Output Folder</source>
        <translation>自动调优输出文件夹</translation>
    </message>
    <message>
        <source>The pipeline has no data: add an evaluation dataset in the Data panel first.</source>
        <translation>流水线没有数据：请先在数据面板中添加评估数据集。</translation>
    </message>
    <message>
        <source>Choose an output folder.</source>
        <translation>请选择输出文件夹。</translation>
    </message>
    <message>
        <source>% of perplexity</source>
        <translation>% 困惑度</translation>
    </message>
    <message>
        <source>points of top-1 / agreement</source>
        <translation>top-1 / 一致率的百分点</translation>
    </message>
</context>
<context>
    <name>autoglm::widgets::VariantTableModel</name>
    <message>
        <source>original</source>
        <translation>原始模型</translation>
    </message>
    <message>
        <source>ok</source>
        <translation>成功</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>%1 KB</source>
        <translation>%1 KB</translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation>%1 毫秒</translation>
    </message>
    <message>
        <source>size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>latency</source>
        <translation>延迟</translation>
    </message>
    <message>
        <source>Variant</source>
        <translation>变体</translation>
    </message>
    <message>
        <source>Stages</source>
        <translation>阶段</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>File size</source>
        <translation>文件大小</translation>
    </message>
    <message>
        <source>Δ size</source>
        <translation>Δ 大小</translation>
    </message>
    <message>
        <source>Latency</source>
        <translation>延迟</translation>
    </message>
    <message>
        <source>Δ latency</source>
        <translation>Δ 延迟</translation>
    </message>
    <message>
        <source>Metric</source>
        <translation>指标</translation>
    </message>
    <message>
        <source>Δ metric</source>
        <translation>Δ 指标</translation>
    </message>
    <message>
        <source>Sparsity</source>
        <translation>稀疏度</translation>
    </message>
    <message>
        <source>Pareto front</source>
        <translation>帕累托前沿</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>Compress models: inspect, prune, quantize.</source>
        <translation>压缩模型：检查、剪枝、量化。</translation>
    </message>
    <message>
        <source>Model to open (.onnx file or Hugging Face checkpoint folder) or pipeline (.autoglm.json).</source>
        <translation>要打开的模型（.onnx 文件或 Hugging Face 检查点文件夹）或流水线（.autoglm.json）。</translation>
    </message>
</context>
</TS>
