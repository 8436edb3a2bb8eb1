import CGio
import DBus
import DBusGLib

/// Gives back what a burst of calls left free. glibc returns only the top of the heap by itself;
/// the free pages between live allocations (a hostile peer's thousands of mid-sized strings, a
/// thousand jobs' worth of replies) stay resident until `malloc_trim`. Once the loop has dispatched
/// messages and then been quiet for `quietMilliseconds`, every whole free page goes back.
///
/// An idle daemon does nothing: the timer is armed by activity only, runs at most every
/// `quietMilliseconds` while calls keep coming, and stops after the trim. Called by the connection
/// after each dispatch batch (`noteActivity`, a flag and a check: cheap on the hot path).
final class MemoryJanitor {
    static let quietMilliseconds: UInt32 = 200

    private let loop: MainLoop
    private var timer: EventSource?
    private var active = false

    init(loop: MainLoop) { self.loop = loop }

    func noteActivity() {
        active = true
        guard timer == nil else { return }
        timer = loop.addTimeout(milliseconds: Self.quietMilliseconds) { [weak self] in
            guard let self else { return false }
            if self.active {
                self.active = false
                return true
            }
            self.timer = nil
            tb_give_back_freed_memory()
            return false
        }
    }
}
