#include "loyalty/devices/v4l2_camera.hpp"

#include <fcntl.h>
#include <linux/videodev2.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace loyalty::devices {
namespace {
int xioctl(int fd, unsigned long request, void* arg) {
    int r;
    do r = ::ioctl(fd, request, arg);
    while (r == -1 && errno == EINTR);
    return r;
}
Error v4l2_error(const std::string& what) {
    return make_error(Errc::not_found, what + ": " + std::strerror(errno));
}
}  // namespace

Result<std::unique_ptr<V4l2Camera>> V4l2Camera::open(const std::string& path, int width,
                                                     int height) {
    const int fd = ::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return v4l2_error("camera " + path);
    auto fail = [&](const std::string& what) -> Error {
        auto e = v4l2_error("camera " + path + ": " + what);
        ::close(fd);
        return e;
    };
    v4l2_capability cap{};
    if (xioctl(fd, VIDIOC_QUERYCAP, &cap) != 0) return fail("not a V4L2 device");
    if (!(cap.capabilities & V4L2_CAP_VIDEO_CAPTURE) || !(cap.capabilities & V4L2_CAP_STREAMING)) {
        errno = ENODEV;
        return fail("no streaming video capture");
    }
    v4l2_format fmt{};
    fmt.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    fmt.fmt.pix.width = static_cast<__u32>(width);
    fmt.fmt.pix.height = static_cast<__u32>(height);
    fmt.fmt.pix.field = V4L2_FIELD_NONE;
    fmt.fmt.pix.pixelformat = V4L2_PIX_FMT_YUYV;
    if (xioctl(fd, VIDIOC_S_FMT, &fmt) != 0 || fmt.fmt.pix.pixelformat != V4L2_PIX_FMT_YUYV) {
        fmt.fmt.pix.pixelformat = V4L2_PIX_FMT_GREY;
        if (xioctl(fd, VIDIOC_S_FMT, &fmt) != 0 || fmt.fmt.pix.pixelformat != V4L2_PIX_FMT_GREY) {
            errno = EINVAL;
            return fail("camera offers neither YUYV nor GREY");
        }
    }
    const int pixel_stride = fmt.fmt.pix.pixelformat == V4L2_PIX_FMT_YUYV ? 2 : 1;
    std::unique_ptr<V4l2Camera> cam(new V4l2Camera(
        path, fd, static_cast<int>(fmt.fmt.pix.width), static_cast<int>(fmt.fmt.pix.height),
        static_cast<int>(fmt.fmt.pix.bytesperline), pixel_stride));
    v4l2_requestbuffers req{};
    req.count = 4;
    req.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    req.memory = V4L2_MEMORY_MMAP;
    if (xioctl(fd, VIDIOC_REQBUFS, &req) != 0 || req.count < 2)
        return v4l2_error("camera " + path + ": buffers");
    for (__u32 i = 0; i < req.count; ++i) {
        v4l2_buffer buf{};
        buf.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        buf.memory = V4L2_MEMORY_MMAP;
        buf.index = i;
        if (xioctl(fd, VIDIOC_QUERYBUF, &buf) != 0)
            return v4l2_error("camera " + path + ": query buffer");
        void* start =
            ::mmap(nullptr, buf.length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, buf.m.offset);
        if (start == MAP_FAILED) return v4l2_error("camera " + path + ": mmap");
        cam->buffers_.push_back({start, buf.length});
    }
    return cam;
}

V4l2Camera::V4l2Camera(std::string path, int fd, int width, int height, int stride,
                       int pixel_stride)
    : path_(std::move(path)),
      fd_(fd),
      width_(width),
      height_(height),
      stride_(stride),
      pixel_stride_(pixel_stride) {}

V4l2Camera::~V4l2Camera() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (streaming_) {
        v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        xioctl(fd_, VIDIOC_STREAMOFF, &type);
    }
    for (auto& b : buffers_) ::munmap(b.start, b.length);
    ::close(fd_);
}

Result<void> V4l2Camera::start(OnFrame on_frame, OnStop on_stop) {
    if (streaming_) return make_error(Errc::conflict, "camera already streaming");
    for (__u32 i = 0; i < buffers_.size(); ++i) {
        v4l2_buffer buf{};
        buf.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        buf.memory = V4L2_MEMORY_MMAP;
        buf.index = i;
        if (xioctl(fd_, VIDIOC_QBUF, &buf) != 0) return v4l2_error("camera: queue buffer");
    }
    v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    if (xioctl(fd_, VIDIOC_STREAMON, &type) != 0) return v4l2_error("camera: stream on");
    streaming_ = true;
    on_frame_ = std::move(on_frame);
    on_stop_ = std::move(on_stop);
    thread_ = std::thread([this] { capture_loop(); });
    return {};
}

void V4l2Camera::capture_loop() {
    while (!stop_) {
        pollfd p{fd_, POLLIN, 0};
        const int ready = ::poll(&p, 1, 100);
        if (ready < 0 && errno != EINTR) break;
        if (ready <= 0) continue;
        v4l2_buffer buf{};
        buf.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        buf.memory = V4L2_MEMORY_MMAP;
        if (xioctl(fd_, VIDIOC_DQBUF, &buf) != 0) {
            if (errno == EAGAIN || errno == EINTR) continue;
            break;  // unplugged (ENODEV) or broken: the owner is told below and may reopen
        }
        // The driver keeps filling the other buffers while we decode this one; when
        // decoding is slower than the camera, frames are dropped there, not queued.
        const GreyFrame frame{static_cast<const std::uint8_t*>(buffers_[buf.index].start), width_,
                              height_, stride_, pixel_stride_};
        on_frame_(frame);
        if (xioctl(fd_, VIDIOC_QBUF, &buf) != 0) break;
    }
    if (stop_) return;  // the owner stopped us: nothing to report
    const auto code = errno == ENODEV ? Errc::device_gone : Errc::device;
    const auto error = make_error(code, "camera " + path_ + ": " + std::strerror(errno));
    if (on_stop_) on_stop_(error);
}

}  // namespace loyalty::devices
