import Testing
import TrainBellCore

/// Progress bars, log dicts and warnings in the output of `trainbell run`'s
/// command. Lines quoted from real programs name their source.
@Suite struct TrainingOutputRecognizerTests {
    typealias Fixtures = TrainingOutputFixtures

    // MARK: tqdm

    @Test(arguments: [
        // tqdm 4.x, no description (the brief's example).
        ("  42%|████▏     | 420/1000 [00:10<00:14, 41.2it/s]", Progress(420, 1000)),
        // tqdm 4.x with a description.
        ("Epoch 1:  42%|████▏     | 420/1000 [00:10<00:14, 41.2it/s]", Progress(420, 1000)),
        // tqdm 4.x, first drawing: no rate yet.
        ("  0%|          | 0/1000 [00:00<?, ?it/s]", Progress(0, 1000)),
        // tqdm 4.70.1, seconds per item (Tests/Fixtures/tqdm_seconds-per-item.txt).
        ("slow:  17%|███████▌                                | 1/6 [00:02<00:12,  2.50s/it]", Progress(1, 6)),
        // tqdm 4.70.1, ascii=True (Tests/Fixtures/tqdm_ascii.txt).
        ("ascii:  95%|##################################1 | 19/20 [00:05<00:00,  3.33it/s]", Progress(19, 20)),
        // tqdm 4.x without a total.
        ("420it [00:10, 41.2it/s]", Progress(420, nil)),
        ("Batches: 30it [00:01, 20.00it/s]", Progress(30, nil)),
        ("0it [00:00, ?it/s]", Progress(0, nil)),
        // Hugging Face Trainer's training bar (transformers 4.x).
        ("  5%|▌         | 50/1000 [00:20<06:20,  2.50it/s]", Progress(50, 1000)),
        // PyTorch Lightning 2.x, the brief's example and LightningDiT issue #73 (hours in the clocks).
        (
            "Epoch 3/9: 42%|████▏     | 420/1000 [00:10<00:14, 41.2it/s, v_num=0, train_loss=0.41]",
            Progress(420, 1000)
        ),
        (
            "Epoch 0:   0%|          | 3/5005 [00:07<3:32:11,  0.39it/s, v_num=1, aeloss_step=1.78e+5, discloss_step=0.000]",
            Progress(3, 5005)
        ),
        // PyTorch Lightning 1.0 (pytorch-lightning issue #4225).
        ("Epoch 0:  22%|██▏       | 4/18 [00:17<01:02,  4.47s/it, loss=10.072, v_num=193315]", Progress(4, 18)),
        // PyTorch Lightning on Colab, drawn without a bar (pytorch-lightning issue #3866).
        (
            "Epoch 0:  97% 1651/1702 [13:00<00:24,  2.11it/s, loss=0.158, v_num=0, train_loss=0.149]",
            Progress(1651, 1702)
        ),
        // tqdm with unit_scale=True.
        ("tokens:  42%|████▏     | 4.20k/10.0k [00:10<00:14, 420it/s]", Progress(4200, 10000)),
    ])
    func readsTqdmBars(line: String, expected: Progress) {
        #expect(Fixtures.observe(line + "\n").progress == [expected])
    }

    @Test func neverReportsMoreThanTheTotal() {
        // tqdm lets n run past total when a loop miscounts.
        let observations = Fixtures.observe("105%|██████████| 1050/1000 [00:10<00:00, 100it/s]\n")
        #expect(observations.progress == [Progress(1000, 1000)])
    }

    @Test func aBarFollowedByLogTextOnTheSameLineIsStillABar() {
        // transformers issue #9996: DeepSpeed logged right after the bar, without a line break.
        let line =
            "  1%|█                                                                                                  | 7/1184 [00:24<1:07:59,  3.47s/it][2021-02-04 15:06:23,182] [INFO] [stage2.py:1357:step] [deepscale] OVERFLOW! Rank 0 Skipping step. Attempted loss scale: 67108864.0, reducing to 33554432.0\n"
        #expect(Fixtures.observe(line) == [.progress(current: 7, total: 1184)])
    }

    @Test func carriageReturnRedrawsAreReadOneByOneAndRepeatsOnce() {
        let text =
            "\r  0%|          | 0/4 [00:00<?, ?it/s]\r 25%|██▌       | 1/4 [00:01<00:03,  1.00it/s]"
            + "\r 25%|██▌       | 1/4 [00:01<00:03,  1.00it/s]\r 50%|█████     | 2/4 [00:02<00:02,  1.00it/s]"
        #expect(Fixtures.observe(text).progress == [Progress(0, 4), Progress(1, 4), Progress(2, 4)])
    }

    @Test func escapeSequencesOfEveryKindAreRemoved() {
        // OSC ended by ST, DCS, a charset designation, ESC 7 / ESC 8, a CSI with intermediates,
        // backspaces (Keras) and a bell.
        let text =
            "\u{1B}]8;;https://example.org\u{1B}\\Epoch 1:\u{1B}]8;;\u{1B}\\ \u{1B}P1$r\u{1B}\\42%|\u{1B}(0████▏\u{1B}(B     |"
            + " 420/\u{1B}71000\u{1B}8 [00:10<00:14, 41.2it/s]\u{1B}[0 q\u{8}\u{8}\u{7}\n"
        #expect(Fixtures.observe(text).progress == [Progress(420, 1000)])
        // An escape cut by the end of the line does not eat the next line.
        #expect(Fixtures.observe("abc\u{1B}]0;title\n 50%|█████     | 1/2 [00:01<00:01,  1.00it/s]\u{1B}[\n").progress == [Progress(1, 2)])
    }

    @Test func coloursAndOtherEscapesAroundABarAreIgnored() {
        let text =
            "\u{1B}]0;training\u{7}\u{1B}[?25l\u{1B}[32m 42%\u{1B}[0m|\u{1B}[34m████▏     \u{1B}[0m| 420/1000 [00:10<00:14, 41.2it/s]\u{1B}[K\u{1B}7\u{1B}(B\r\n"
        #expect(Fixtures.observe(text).progress == [Progress(420, 1000)])
    }

    // MARK: Which bar counts

    @Test func anInnerBarDrawnOnALowerRowIsIgnored() {
        // tqdm 4.70.1, `position=1` (Tests/Fixtures/tqdm_nested.txt): the inner bar is
        // drawn after a line feed and followed by a move back up (ESC [ A).
        let text =
            "\repochs:   0%|          | 0/3 [00:00<?, ?it/s]\n\rbatches:   0%|          | 0/8 [00:00<?, ?it/s]\u{1B}[A\n"
            + "\rbatches:  50%|█████     | 4/8 [00:00<00:00,  5.00it/s]\u{1B}[A\n"
            + "\r                                        \u{1B}[A\repochs:  33%|███▎      | 1/3 [00:01<00:03,  1.60s/it]\n"
        #expect(Fixtures.observe(text).progress == [Progress(0, 3), Progress(1, 3)])
    }

    @Test func withoutCursorMovesTheFirstBarWithATotalWinsUntilItEnds() {
        let text = """
            epochs:   0%|          | 0/3 [00:00<?, ?it/s]
            batches:  50%|█████     | 4/8 [00:00<00:00,  5.00it/s]
            420it [00:10, 41.2it/s]
            epochs:  33%|███▎      | 1/3 [00:01<00:03,  1.60s/it]
            epochs: 100%|██████████| 3/3 [00:03<00:00,  1.00s/it]
            batches: 100%|██████████| 8/8 [00:00<00:00,  5.00it/s]
            12it [00:10, 41.2it/s]

            """
        #expect(
            Fixtures.observe(text).progress == [
                Progress(0, 3), Progress(1, 3), Progress(3, 3), Progress(8, 8), Progress(12, nil),
            ])
    }

    @Test(arguments: [
        // Hugging Face datasets (datasets 2.x).
        "Map: 100%|██████████| 25000/25000 [00:02<00:00, 9873.41 examples/s]",
        "Map (num_proc=4): 100%|██████████| 25000/25000 [00:02<00:00, 9873.41 examples/s]",
        "Generating train split: 100%|██████████| 25000/25000 [00:00<00:00, 102040.82 examples/s]",
        // Hugging Face hub and transformers.
        "model.safetensors: 100%|██████████| 548M/548M [00:05<00:00, 98.1MB/s]",
        "Loading checkpoint shards: 100%|██████████| 2/2 [00:03<00:00,  1.52s/it]",
        "Fetching 3 files: 100%|██████████| 3/3 [00:00<00:00, 21.3it/s]",
        // PyTorch Lightning 2.x's other loops.
        "Sanity Checking DataLoader 0: 100%|██████████| 2/2 [00:00<00:00,  9.88it/s]",
        "Validation DataLoader 0: 100%|██████████| 63/63 [00:01<00:00, 45.1it/s]",
        "Testing DataLoader 0: 100%|██████████| 63/63 [00:01<00:00, 45.1it/s]",
        "Evaluating: 100%|██████████| 63/63 [00:01<00:00, 45.1it/s]",
    ])
    func barsAroundTheTrainingAreNotItsProgress(line: String) {
        #expect(Fixtures.observe(line + "\n").progress == [])
    }

    @Test func theTrainingBarIsFollowedAfterDataPreparation() {
        let text = """
            Map: 100%|██████████| 1000/1000 [00:00<00:00, 9873.41 examples/s]
              0%|          | 0/50 [00:00<?, ?it/s]
             10%|█         | 5/50 [00:02<00:18,  2.50it/s]

            """
        #expect(Fixtures.observe(text).progress == [Progress(0, 50), Progress(5, 50)])
    }

    // MARK: Keras

    @Test(arguments: [
        // Keras 3.15.1 (Tests/Fixtures/keras3_fit.txt, without its colours), and the brief's example.
        ("3/8 ━━━━━━━━━━━━━━━━━━━━ 0s 41ms/step - accuracy: 0.5000 - loss: 0.3333", Progress(3, 8)),
        ("420/1000 ━━━━━━━━━━━━━━━━━━━━ 14s 41ms/step - loss: 0.4100", Progress(420, 1000)),
        ("    420/Unknown 10s 24ms/step - loss: 0.4100", Progress(420, nil)),
        // tf.keras 2 (AmadeusITGroup/Moire-Pattern-Detection issue #25), and the brief's example.
        (" 10/102 [=>............................] - ETA: 7:40 - loss: 0.6102 - accuracy: 0.6656", Progress(10, 102)),
        ("420/1000 [=====>....] - ETA: 14s - loss: 0.41", Progress(420, 1000)),
    ])
    func readsKerasBars(line: String, expected: Progress) {
        #expect(Fixtures.observe(line + "\n").progress == [expected])
    }

    @Test func kerasEpochsCountTowardsOneTotal() {
        // Keras prints `Epoch k/N` before each epoch's bar, which restarts at 1.
        let text = """
            Epoch 1/2
            4/8 ━━━━━━━━━━━━━━━━━━━━ 0s 41ms/step - loss: 0.5000
            8/8 ━━━━━━━━━━━━━━━━━━━━ 0s 41ms/step - loss: 0.2500 - val_loss: 0.3000
            Epoch 2/2
            4/8 ━━━━━━━━━━━━━━━━━━━━ 0s 41ms/step - loss: 0.2000

            """
        let observations = Fixtures.observe(text)
        #expect(observations.progress == [Progress(4, 16), Progress(8, 16), Progress(12, 16)])
        #expect(observations.metrics == [["loss": 0.25, "val_loss": 0.3]])
    }

    @Test func notEveryFractionIsABar() {
        let text = """
            Epoch 3/10
            Loaded 420/1000 files
            420/1000 done
            step 420/1000 [rank 0]

            """
        #expect(Fixtures.observe(text).progress == [])
    }

    // MARK: Metrics

    @Test func readsHuggingFaceLogDicts() {
        // transformers 4.x (Chinese-LLaMA-Alpaca issue #534) and 5.24.0 (numbers quoted, Tests/Fixtures/transformers_trainer.txt).
        let text = """
            {'loss': 2.0491, 'learning_rate': 0.0001961913563176343, 'epoch': 0.28}
            {'loss': '0.1', 'grad_norm': '2.5', 'learning_rate': '1.5e-05', 'epoch': '0.5'}
            {'train_runtime': 16.5, 'train_samples_per_second': 19.39, 'train_loss': 0.1, 'epoch': 2.0}

            """
        #expect(
            Fixtures.observe(text).metrics == [
                ["loss": 2.0491, "learning_rate": 0.0001961913563176343, "epoch": 0.28],
                ["loss": 0.1, "grad_norm": 2.5, "learning_rate": 1.5e-05, "epoch": 0.5],
                ["train_runtime": 16.5, "train_samples_per_second": 19.39, "train_loss": 0.1, "epoch": 2.0],
            ])
    }

    @Test func readsNumpyScalarsTensorsAndNonFiniteValues() {
        let text =
            "{'loss': np.float64(0.41), 'grad_norm': tensor(1.5, device='cuda:0'), 'learning_rate': 2e-05, 'epoch': 1.2, 'tag': 'x', 'big': -inf}\n"
        #expect(
            Fixtures.observe(text) == [
                .metrics(["loss": 0.41, "grad_norm": 1.5, "learning_rate": 2e-05, "epoch": 1.2, "big": -.infinity])
            ])
        // A NaN loss: its error first (trainbelld then does not report it again from the metrics).
        #expect(
            Fixtures.observe("{'loss': nan, 'epoch': 1.2}\n").last == .metrics(["loss": .nan, "epoch": 1.2]))
    }

    @Test(arguments: [
        "{'model': 'bert-base', 'batch_size': 32}",
        "{'a': 1, 'b': 2}",
        "{'loss': 0.41",
        "{'loss' 0.41}",
        "{}",
        "{'loss': 0.41} extra",
    ])
    func otherDictsAreNotMetrics(line: String) {
        #expect(Fixtures.observe(line + "\n").metrics == [])
    }

    // MARK: Warnings

    @Test func readsPythonWarningsOncePerText() {
        // torch DataLoader (googlecolab/colabtools issue #3415), transformers 4.x
        // (ybracke/transnormer issue #99), Lightning (kuleshov-group/caduceus issue #29).
        let text = """
            /usr/local/lib/python3.8/dist-packages/torch/utils/data/dataloader.py:554: UserWarning: This DataLoader will create 8 worker processes in total. Our suggested max number of worker in current system is 2, which is smaller than what this DataLoader is going to create.
              warnings.warn(_create_warning_msg(
            /home/bracke/miniconda3/envs/gpu-venv-transnormer/lib/python3.9/site-packages/transformers/optimization.py:411: FutureWarning: This implementation of AdamW is deprecated and will be removed in a future version. Use the PyTorch implementation torch.optim.AdamW instead, or set `no_deprecation_warning=True` to disable this warning
              warnings.warn(
            /usr/local/lib/python3.8/dist-packages/torch/utils/data/dataloader.py:554: UserWarning: This DataLoader will create 8 worker processes in total. Our suggested max number of worker in current system is 2, which is smaller than what this DataLoader is going to create.
              warnings.warn(_create_warning_msg(
            /envs/lib/python3.8/site-packages/pytorch_lightning/trainer/connectors/data_connector.py:224: PossibleUserWarning: The dataloader, val_dataloader 0, does not have many workers which may be a bottleneck.
            [rank0]: /train.py:7: DeprecationWarning: `foo` is deprecated
            DeprecationWarning: `foo` is deprecated

            """
        #expect(
            Fixtures.observe(text).warnings == [
                "UserWarning: This DataLoader will create 8 worker processes in total. Our suggested max number of worker in current system is 2, which is smaller than what this DataLoader is going to create.",
                "FutureWarning: This implementation of AdamW is deprecated and will be removed in a future version. Use the PyTorch implementation torch.optim.AdamW instead, or set `no_deprecation_warning=True` to disable this warning",
                "PossibleUserWarning: The dataloader, val_dataloader 0, does not have many workers which may be a bottleneck.",
                "DeprecationWarning: `foo` is deprecated",
            ])
    }

    @Test(arguments: [
        "see the Warning: section of the docs",
        "userWarning: lower case is no category",
        "UserWarning:",
        "file.py:12: UserWarning:   ",
    ])
    func otherTextIsNoWarning(line: String) {
        #expect(Fixtures.observe(line + "\n").warnings == [])
    }

    @Test func warningDeduplicationIsBoundedAndForgetsTheOldest() {
        var recognizer = TrainingOutputRecognizer()
        var text = ""
        for index in 0..<300 {
            text += "x.py:1: UserWarning: warning \(index)\n"
        }
        #expect(recognizer.feed(Array(text.utf8)).warnings.count == 300)
        // The first 44 were forgotten; the last 256 are still known.
        let again = recognizer.feed(Array("x.py:1: UserWarning: warning 0\nx.py:1: UserWarning: warning 299\n".utf8))
        #expect(again.warnings == ["UserWarning: warning 0"])
    }

    // MARK: Lines

    @Test func aLineSplitAcrossChunksAndAUTF8SequenceSplitInTheMiddleAreReadWhole() {
        let bytes = Array("Epoch 1:  42%|████▏     | 420/1000 [00:10<00:14, 41.2it/s]\n".utf8)
        var recognizer = TrainingOutputRecognizer()
        // "█" is E2 96 88: cut after its first byte.
        let cut = bytes.firstIndex(of: 0xE2)! + 1
        #expect(recognizer.feed(bytes[..<cut]) == [])
        #expect(recognizer.feed(bytes[cut...]) == [.progress(current: 420, total: 1000)])
    }

    @Test func finishReadsTheLastLineWithoutABreak() {
        var recognizer = TrainingOutputRecognizer()
        #expect(recognizer.feed(Array("{'loss': 0.5, 'epoch': 1.0}".utf8)) == [])
        #expect(recognizer.finish() == [.metrics(["loss": 0.5, "epoch": 1.0])])
        #expect(recognizer.finish() == [])
    }

    @Test func aHugeLineIsCutAndTheNextLineStillRead() {
        var recognizer = TrainingOutputRecognizer()
        let huge = [UInt8](repeating: UInt8(ascii: "x"), count: 1_000_000)
        #expect(recognizer.feed(huge) == [])
        let observations = recognizer.feed(Array("\n 50%|█████     | 1/2 [00:01<00:01,  1.00it/s]\n".utf8))
        #expect(observations == [.progress(current: 1, total: 2)])
        #expect(recognizer.recentLines.first?.utf8.count ?? 0 < 1_000)
    }

    @Test func recentLinesKeepTheLastTextThatIsNotABar() {
        var recognizer = TrainingOutputRecognizer()
        var text = ""
        for index in 0..<15 {
            text += "line \(index)\r\n 50%|█████     | 1/2 [00:01<00:01,  1.00it/s]\r\n\r\n"
        }
        _ = recognizer.feed(Array(text.utf8))
        #expect(recognizer.recentLines == (5..<15).map { "line \($0)" })
    }

    @Test func nanMetricsAreEqualToThemselves() {
        let observation = TrainingObservation.metrics(["loss": .nan, "epoch": 1])
        #expect(observation == observation)
        #expect(Set([observation, .metrics(["loss": .nan, "epoch": 1])]).count == 1)
        #expect(observation != .metrics(["loss": 1, "epoch": 1]))
    }
}
