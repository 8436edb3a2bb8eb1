import Testing
import TrainBellCore

/// Errors in the output of `trainbell run`'s command, and the end of the
/// process. Lines quoted from real programs name their source.
@Suite struct TrainingOutputRecognizerErrorTests {
    typealias Fixtures = TrainingOutputFixtures

    /// A PyTorch 2.x out-of-memory error in a Hugging Face training (the
    /// exception line from huggingface/trl issue #4237).
    static let outOfMemoryTraceback = """
        Traceback (most recent call last):
          File "/home/user/train.py", line 42, in <module>
            trainer.train()
          File "/usr/local/lib/python3.10/dist-packages/transformers/trainer.py", line 1859, in train
            return inner_training_loop(
                   ^^^^^^^^^^^^^^^^^^^^
          File "/usr/local/lib/python3.10/dist-packages/torch/autograd/graph.py", line 744, in _engine_run_backward
            return Variable._execution_engine.run_backward(  # Calls into the C++ engine to run the backward pass
        torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.11 GiB. GPU 0 has a total capacity of 14.74 GiB of which 1.65 GiB is free. Of the allocated memory 4.50 GiB is allocated by PyTorch, and 2.14 GiB is reserved by PyTorch but unallocated.
        """

    // MARK: Tracebacks

    @Test func aTracebackIsOneErrorWithItsTextAsDetails() {
        var recognizer = TrainingOutputRecognizer()
        // Still being read: its message may go on.
        #expect(recognizer.feed(Array((Self.outOfMemoryTraceback + "\n").utf8)) == [])
        #expect(!recognizer.sawError)
        let observations = recognizer.finish()
        #expect(
            observations == [
                .error(
                    type: "oom_error",
                    message:
                        "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.11 GiB. GPU 0 has a total capacity of 14.74 GiB of which 1.65 GiB is free. Of the allocated memory 4.50 GiB is allocated by PyTorch, and 2.14 GiB is reserved by PyTorch but unallocated.",
                    details: Self.outOfMemoryTraceback)
            ])
        #expect(recognizer.sawError)
    }

    @Test func aTracebackSentThroughAPseudoTerminalReadsTheSame() {
        let crlf =
            Self.outOfMemoryTraceback.split(separator: "\n", omittingEmptySubsequences: false)
            .joined(separator: "\r\n") + "\r\n"
        let observations = Fixtures.observe(crlf)
        #expect(observations.errors.map(\.details) == [Self.outOfMemoryTraceback])
    }

    @Test(arguments: [
        // PyTorch 1.x (rshaojimmy/MADDoG issue #11).
        (
            "RuntimeError: CUDA out of memory. Tried to allocate 2.87 GiB (GPU 0; 14.76 GiB total capacity; 8.77 GiB already allocated; 19.75 MiB free; 13.71 GiB reserved in total by PyTorch)",
            "oom_error"
        ),
        // PyTorch 2.0 (GoGoDuck912/Self-Correction-Human-Parsing issue #80).
        (
            "torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 498.00 MiB (GPU 0; 10.92 GiB total capacity; 9.22 GiB already allocated; 401.81 MiB free; 9.78 GiB reserved in total by PyTorch)",
            "oom_error"
        ),
        ("MemoryError", "oom_error"),
        ("numpy.core._exceptions._ArrayMemoryError: Unable to allocate 7.45 GiB for an array", "oom_error"),
        ("RuntimeError: CUDA error: an illegal memory access was encountered", "cuda_error"),
        ("RuntimeError: CUDA error: CUBLAS_STATUS_NOT_INITIALIZED when calling `cublasCreate(handle)`", "cuda_error"),
        (
            "torch.distributed.DistBackendError: NCCL error in: ../torch/csrc/distributed/c10d/ProcessGroupNCCL.cpp:1970, unhandled cuda error (run with NCCL_DEBUG=INFO for details), NCCL version 2.19.3",
            "cuda_error"
        ),
        ("RuntimeError: cuDNN error: CUDNN_STATUS_EXECUTION_FAILED", "cuda_error"),
        ("ValueError: Loss is NaN", "loss_divergence"),
        // DeepSpeed (Chinese-LLaMA-Alpaca issue #534).
        (
            "Exception: Current loss scale already at minimum - cannot decrease scale anymore. Exiting run.",
            "gradient_explosion"
        ),
        // torch.nn.utils.clip_grad_norm_(error_if_nonfinite=True).
        (
            "RuntimeError: The total norm of order 2.0 for gradients from `parameters` is non-finite, so it cannot be clipped. To disable this error and scale the gradients by the non-finite norm anyway, set `error_if_nonfinite=False`",
            "gradient_explosion"
        ),
        ("KeyError: 'labels'", "training_error"),
        ("AssertionError", "training_error"),
    ])
    func theExceptionLineGivesTheType(exceptionLine: String, type: String) {
        let text =
            "Traceback (most recent call last):\n  File \"train.py\", line 3, in <module>\n    main()\n\(exceptionLine)\n"
        let errors = Fixtures.observe(text).errors
        #expect(errors.map(\.type) == [type])
        #expect(errors.map(\.message) == [exceptionLine])
    }

    @Test func theMessageLinesAfterTheExceptionAreKeptAndABlankLineEndsIt() {
        // PyTorch 2.x (WangYueFt/dcp issue #30), then the training goes on drawing.
        let traceback = """
            Traceback (most recent call last):
              File "D:\\Project\\Python_project\\MyProject\\dcp-master\\main.py", line 214, in train_one_epoch
                total_loss += loss.item() * batch_size
                              ^^^^^^^^^^^
            RuntimeError: CUDA error: device-side assert triggered
            CUDA kernel errors might be asynchronously reported at some other API call, so the stacktrace below might be incorrect.
            For debugging consider passing CUDA_LAUNCH_BLOCKING=1.
            Compile with `TORCH_USE_CUDA_DSA` to enable device-side assertions.
            """
        var recognizer = TrainingOutputRecognizer()
        let observations = recognizer.feed(Array((traceback + "\n\nnext run\n").utf8))
        #expect(
            observations == [
                .error(
                    type: "cuda_error", message: "RuntimeError: CUDA error: device-side assert triggered",
                    details: traceback)
            ])
        #expect(recognizer.finish() == [])
    }

    @Test func aProgressBarAfterTheExceptionEndsTheTraceback() {
        let text = """
            Traceback (most recent call last):
              File "train.py", line 3, in <module>
            KeyError: 'labels'
             50%|█████     | 1/2 [00:01<00:01,  1.00it/s]

            """
        var recognizer = TrainingOutputRecognizer()
        #expect(
            recognizer.feed(Array(text.utf8)) == [
                .error(
                    type: "training_error", message: "KeyError: 'labels'",
                    details:
                        "Traceback (most recent call last):\n  File \"train.py\", line 3, in <module>\nKeyError: 'labels'"
                ),
                .progress(current: 1, total: 2),
            ])
    }

    @Test func quotedSourceLinesAreNotClassified() {
        let text = """
            Traceback (most recent call last):
              File "train.py", line 9, in <module>
                if "CUDA out of memory" in str(error) or "NCCL error" in str(error):
            ValueError: retry failed

            """
        #expect(Fixtures.observe(text).errorTypes == ["training_error"])
    }

    @Test func aChainedTracebackIsOneErrorOfItsFirstKnownType() {
        let text = """
            Traceback (most recent call last):
              File "train.py", line 9, in step
                loss.backward()
            torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 MiB.

            During handling of the above exception, another exception occurred:

            Traceback (most recent call last):
              File "train.py", line 20, in <module>
                main()
            RuntimeError: could not save the checkpoint

            """
        let errors = Fixtures.observe(text).errors
        #expect(errors.map(\.type) == ["oom_error"])
        #expect(errors.map(\.message) == ["RuntimeError: could not save the checkpoint"])
        #expect(errors.first?.details == String(text.dropLast()))
    }

    @Test func aTracebackWithManyMatchingLinesIsStillOneError() {
        // torchrun (torch.distributed.elastic, PyTorch 2.x) after a worker was OOM-killed: the
        // summary follows the exception line, and names the signal.
        let text = """
            Traceback (most recent call last):
              File "/usr/local/bin/torchrun", line 8, in <module>
                sys.exit(main())
            torch.distributed.elastic.multiprocessing.errors.ChildFailedError:
            ============================================================
            train.py FAILED
            ------------------------------------------------------------
            Root Cause (first observed failure):
            [0]:
              time      : 2024-05-01_12:00:00
              host      : gpu-node-1
              rank      : 0 (local_rank: 0)
              exitcode  : -9 (pid: 12345)
              error_file: <N/A>
              traceback : Signal 9 (SIGKILL) received by PID 12345
            ============================================================
            """
        let errors = Fixtures.observe(text + "\n").errors
        #expect(errors.map(\.type) == ["oom_error"])
        #expect(errors.map(\.message) == ["torch.distributed.elastic.multiprocessing.errors.ChildFailedError:"])
        #expect(errors.first?.details == text)
    }

    @Test func aKeyboardInterruptIsNoError() {
        var recognizer = TrainingOutputRecognizer()
        let text =
            "Traceback (most recent call last):\n  File \"train.py\", line 3, in <module>\n    time.sleep(1)\nKeyboardInterrupt\n"
        #expect(recognizer.feed(Array(text.utf8)) + recognizer.finish() == [])
        #expect(!recognizer.sawError)
    }

    @Test func tracebacksOfRanksPrintedTogetherAreToldApartByTheirPrefix() {
        // torchrun with --tee: each line starts with its rank.
        let text = """
            [rank0]:Traceback (most recent call last):
            [rank1]:Traceback (most recent call last):
            [rank0]:  File "train.py", line 5, in <module>
            [rank1]:  File "train.py", line 5, in <module>
            [rank1]:    main()
            [rank0]:    main()
            [rank1]:torch.distributed.DistBackendError: NCCL error in: ProcessGroupNCCL.cpp:1970, unhandled system error
            [rank0]:torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 MiB.

            """
        let errors = Fixtures.observe(text).errors
        #expect(errors.map(\.type).sorted() == ["cuda_error", "oom_error"])
        let oom = errors.first { $0.type == "oom_error" }
        #expect(
            oom?.details
                == "Traceback (most recent call last):\n  File \"train.py\", line 5, in <module>\n    main()\ntorch.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 MiB."
        )
    }

    @Test func aTracebackPrintedRightAfterABarIsRead() {
        // Cortex issue in qibin0506/llm_trainer #2: the header follows the bar without a line break.
        let text = """
              11%|██        | 261/2350 [01:59<09:18,  3.73it/s]Traceback (most recent call last):
              File "/home/youwei/github/Cortex/train_pretrain_stage0.py", line 18, in <module>
                trainer.train()
            ValueError: bad batch

            """
        let observations = Fixtures.observe(text)
        #expect(observations.progress == [Progress(261, 2350)])
        #expect(observations.errors.map(\.type) == ["training_error"])
        #expect(observations.errors.first?.details.hasPrefix("Traceback (most recent call last):\n  File") == true)
    }

    @Test func aNewTracebackEndsTheLastOne() {
        let one = "Traceback (most recent call last):\n  File \"a.py\", line 1, in <module>\nKeyError: 'a'\n"
        let two = "Traceback (most recent call last):\n  File \"b.py\", line 1, in <module>\nMemoryError\n"
        #expect(Fixtures.observe(one + two).errorTypes == ["training_error", "oom_error"])
    }

    @Test func aHugeTracebackKeepsItsStartAndEndWithinBounds() {
        var text = "Traceback (most recent call last):\n"
        for index in 0..<20_000 {
            text +=
                "  File \"/very/long/path/to/module_\(index).py\", line \(index), in recurse\n    return recurse(n - 1)\n"
        }
        text += "RecursionError: maximum recursion depth exceeded\n"
        let errors = Fixtures.observe(text).errors
        #expect(errors.map(\.type) == ["training_error"])
        let details = errors.first?.details ?? ""
        #expect(details.utf8.count <= 64 * 1024 + 100)
        #expect(details.split(separator: "\n").count <= 257)
        #expect(details.hasPrefix("Traceback (most recent call last):\n  File \"/very/long/path/to/module_0.py\""))
        #expect(details.hasSuffix("RecursionError: maximum recursion depth exceeded"))
        #expect(details.contains("more lines …"))
    }

    // MARK: Lines outside tracebacks

    @Test(arguments: [
        ("Loss is NaN, stopping training", "loss_divergence"),
        ("loss is nan at step 1200", "loss_divergence"),
        ("LOSS IS INF", "loss_divergence"),
        // Keras 2 TerminateOnNaN, printed after the bar (manishsoni1908/Mobilenet-ssd-keras issue #21).
        (
            "  3/234 [..............................] - ETA: 33:37:24 - loss: 44.4110Batch 3: Invalid loss, terminating training",
            "loss_divergence"
        ),
        // PyTorch Lightning EarlyStopping(check_finite=True).
        (
            "Monitored metric val_loss = nan is not finite. Previous best value was 0.512. Signaling Trainer to stop.",
            "loss_divergence"
        ),
        // C++ abort of PyTorch.
        ("  what():  CUDA out of memory. Tried to allocate 20.00 MiB", "oom_error"),
        // torchrun reporting a worker killed by the OOM killer.
        ("  traceback : Signal 9 (SIGKILL) received by PID 12345", "oom_error"),
        // NCCL watchdog (PyTorch 2.x).
        (
            "[E ProcessGroupNCCL.cpp:475] [Rank 1] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=36, OpType=ALLREDUCE, Timeout(ms)=1800000) ran for 1800218 milliseconds before timing out.",
            "cuda_error"
        ),
        ("grad norm is nan at step 12", "gradient_explosion"),
        ("Found inf or nan in gradients; skipping the update", "gradient_explosion"),
        // DeepSpeed's loss scale collapsed (transformers issue #14531).
        (
            "[2021-11-27 00:36:54,800] [INFO] [stage2.py:1628:step] [deepscale] OVERFLOW! Rank 0 Skipping step. Attempted loss scale: 1, reducing to 1",
            "gradient_explosion"
        ),
        ("Gradient overflow. Skipping step", "gradient_explosion"),
        ("Gradient overflow.  Skipping step, loss scaler 0 reducing loss scale to 0.5", "gradient_explosion"),
        // fairseq.
        (
            "FloatingPointError: Minimum loss scale reached (0.0001). Your loss is probably exploding.",
            "gradient_explosion"
        ),
    ])
    func aLineReportsItsError(line: String, type: String) {
        let observations = Fixtures.observe(line + "\n")
        #expect(observations.errors.map(\.type) == [type])
        #expect(observations.errors.map(\.message) == [line.trimmingCharactersForTest])
    }

    @Test(arguments: [
        // Dynamic loss scaling at work, which recovers (CogVideo issue #233, LearnDeepSpeed issue #1).
        "[2024-09-11 17:52:18,030] [INFO] [loss_scaler.py:183:update_scale] [deepspeed] OVERFLOW! Rank 0 Skipping step. Attempted loss scale: 4294967296, reducing to 2147483648",
        "[2024-11-04 11:41:27,602] [INFO] [loss_scaler.py:190:update_scale] [deepspeed] OVERFLOW! Rank 0 Skipping step. Attempted loss scale: 8192, but hysteresis is 2. Reducing hysteresis to 1",
        "Gradient overflow.  Skipping step, loss scaler 0 reducing loss scale to 32768.0",
        "NOTE: gradient overflow detected, ignoring gradient, setting loss scale to: 64.0",
        "epoch 3: the loss is nearly flat",
        "CUDA is available: True",
    ])
    func routineLinesAreNoErrors(line: String) {
        #expect(Fixtures.observe(line + "\n").errors.isEmpty)
    }

    @Test func anErrorTypeFromLinesIsReportedOnce() {
        let text = "Loss is NaN\nloss is nan again\ngrad norm is inf\ngrad norm is inf\n"
        #expect(Fixtures.observe(text).errorTypes == ["loss_divergence", "gradient_explosion"])
    }

    @Test func aLineOfATypeATracebackReportedIsNotReportedAgain() {
        let text = Self.outOfMemoryTraceback + "\n\nERROR: CUDA out of memory, see above\n"
        #expect(Fixtures.observe(text).errorTypes == ["oom_error"])
    }

    // MARK: Non-finite numbers

    @Test func aNanLossInALogDictIsLossDivergenceOnce() {
        // transformers 4.x (AnswerDotAI/ModernBERT issue #233; SY-Xuan/Pink issue #6 has the padding).
        let text = """
            {'loss': 0.2051, 'grad_norm': nan, 'learning_rate': 9.774074342405685e-06, 'epoch': 0.53}
            {'loss': nan, 'grad_norm': 1.0, 'learning_rate': 9.773696745450087e-06, 'epoch': 0.53}                    
            {'loss': inf, 'grad_norm': 1.0, 'learning_rate': 9.773318840518906e-06, 'epoch': 0.54}

            """
        let observations = Fixtures.observe(text)
        #expect(observations.metrics.count == 3)
        #expect(observations.errors.map(\.type) == ["loss_divergence"])
        #expect(observations.errors.map(\.message) == ["loss is nan (epoch 0.53)"])
        let infinite = Fixtures.observe("{'loss': inf, 'learning_rate': 2e-05, 'epoch': 1.2}\n")
        #expect(infinite.errors.map(\.message) == ["loss is inf (epoch 1.2)"])
        let evaluation = Fixtures.observe("{'eval_loss': nan, 'eval_runtime': 1.5, 'epoch': 2.0}\n")
        #expect(evaluation.errors.map(\.message) == ["eval_loss is nan (epoch 2)"])
    }

    @Test func aGradientNormThatStaysNanIsAGradientExplosion() {
        func line(_ norm: String) -> String {
            "{'loss': 0.0, 'grad_norm': \(norm), 'learning_rate': 0.00015, 'epoch': 0.0}\n"
        }
        // One or two skipped steps are mixed precision at work.
        #expect(Fixtures.observe(line("nan") + line("nan") + line("1.5") + line("nan")).errors.isEmpty)
        let errors = Fixtures.observe(line("nan") + line("inf") + line("nan") + line("nan")).errors
        #expect(errors.map(\.type) == ["gradient_explosion"])
        #expect(errors.map(\.message) == ["grad_norm is nan in 3 log entries in a row (epoch 0)"])
    }

    @Test func aNanLossInABarIsLossDivergence() {
        // PyTorch Lightning 2.x pads the numbers of its postfix to five characters (`Tqdm.format_num`).
        let lightning = "Epoch 3: 42%|████▏     | 420/1000 [00:10<00:14, 41.2it/s, v_num=0, train_loss=nan.0]\n"
        #expect(Fixtures.observe(lightning).errors.map(\.message) == ["train_loss is nan (Epoch 3)"])
        let negative = "Epoch 3: 42%|████▏     | 420/1000 [00:10<00:14, 41.2it/s, v_num=0, train_loss=-inf.]\n"
        #expect(Fixtures.observe(negative).errors.map(\.message) == ["train_loss is -inf (Epoch 3)"])
        let fine = "Epoch 3: 42%|████▏     | 420/1000 [00:10<00:14, 41.2it/s, v_num=0, train_loss=0.410, info=nano]\n"
        #expect(Fixtures.observe(fine).errors.isEmpty)
        // Keras 2 (divamgupta/image-segmentation-keras issue #50).
        let keras =
            "Epoch 1/1\n512/512 [==============================] - 127s 247ms/step - loss: nan - acc: nan - val_loss: nan - val_acc: nan\n"
        #expect(Fixtures.observe(keras).errors.map(\.message) == ["loss is nan (epoch 1/1)"])
    }

    // MARK: The end of the process

    @Test func exitClassification() {
        let lines = ["Loading data", "", "  Error: file not found  ", "a", "b", "c", "d"]
        typealias Exit = (type: String, message: String)?
        func classify(_ status: Int32, _ signal: Int32?, _ sawError: Bool = false) -> [String] {
            let exit = TrainingOutputRecognizer.classifyExit(
                status: status, signal: signal, lastStderrLines: lines, sawError: sawError)
            return exit.map { [$0.type, $0.message] } ?? []
        }
        #expect(classify(0, nil) == [])
        #expect(classify(137, 9) == ["oom_error", "killed, probably by the out-of-memory killer"])
        #expect(classify(137, 9, true) == ["oom_error", "killed, probably by the out-of-memory killer"])
        #expect(classify(139, 11) == ["system_crash", "killed by SIGSEGV (signal 11)"])
        #expect(classify(0, 64) == ["system_crash", "killed by signal 64"])
        #expect(classify(139, 11, true) == [])
        #expect(classify(1, nil) == ["training_error", "exited with status 1:\nError: file not found\na\nb\nc\nd"])
        #expect(classify(2, nil, true) == [])
        #expect(
            TrainingOutputRecognizer.classifyExit(status: -1, signal: nil, lastStderrLines: [], sawError: false)?
                .message
                == "exited with status -1")
        #expect(TrainingOutputRecognizer.isInterruption(status: 0, signal: 2))
        #expect(TrainingOutputRecognizer.isInterruption(status: 130, signal: nil))
        #expect(!TrainingOutputRecognizer.isInterruption(status: 1, signal: nil))
        #expect(!TrainingOutputRecognizer.isInterruption(status: 0, signal: 9))
    }
}

extension String {
    /// The string without spaces at either end (no Foundation in these tests).
    var trimmingCharactersForTest: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
