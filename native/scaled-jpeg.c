// JPEG decoded straight at 1/1, 1/2, 1/4 or 1/8 of its size (libjpeg-turbo's scaled inverse
// DCT), synchronously, into a buffer the caller owns: the frame judge's fast path. It reports
// any libjpeg warning as a failure, and the caller then decodes the frame the general way, so
// that this path never decides what a corrupt or unusual file is.
#include <node_api.h>
#include <turbojpeg.h>
#include <stdio.h>

// One decoder per thread: a TurboJPEG handle keeps the jump buffer its error handler returns
// to, and the frame pool's worker threads share this library.
static _Thread_local tjhandle decoder;

static void destroy_decoder(void *unused) {
  (void)unused;
  if (decoder) tjDestroy(decoder);
  decoder = NULL;
}

static napi_value fail(napi_env env, const char *message) {
  napi_value result, text;
  napi_create_object(env, &result);
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &text);
  napi_set_named_property(env, result, "error", text);
  return result;
}

static napi_value number(napi_env env, double value) {
  napi_value out;
  napi_create_double(env, value, &out);
  return out;
}

// decode(jpeg: Uint8Array, shrink: 1 | 2 | 4 | 8, out: Uint8Array)
//   -> { width, height, channels } | { error } | { needed }
static napi_value decode(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3) return fail(env, "decode(jpeg, shrink, out) needs three arguments");
  napi_typedarray_type type;
  size_t jpegLength, outLength;
  void *jpeg, *out;
  int32_t shrink;
  if (napi_get_typedarray_info(env, argv[0], &type, &jpegLength, &jpeg, NULL, NULL) != napi_ok || type != napi_uint8_array) return fail(env, "jpeg must be a Uint8Array");
  if (napi_get_value_int32(env, argv[1], &shrink) != napi_ok || (shrink != 1 && shrink != 2 && shrink != 4 && shrink != 8)) return fail(env, "shrink must be 1, 2, 4 or 8");
  if (napi_get_typedarray_info(env, argv[2], &type, &outLength, &out, NULL, NULL) != napi_ok || type != napi_uint8_array) return fail(env, "out must be a Uint8Array");
  if (!decoder) {
    if (!(decoder = tjInitDecompress())) return fail(env, tjGetErrorStr());
    // Freed when this thread's environment ends (a worker thread of the pool closing).
    napi_add_env_cleanup_hook(env, destroy_decoder, NULL);
  }
  int width, height, subsampling, colorspace;
  if (tjDecompressHeader3(decoder, jpeg, (unsigned long)jpegLength, &width, &height, &subsampling, &colorspace) != 0) return fail(env, tjGetErrorStr2(decoder));
  // Grey stays one channel, as libvips loads it; CMYK and YCCK are left to the general path.
  if (colorspace == TJCS_CMYK || colorspace == TJCS_YCCK) return fail(env, "CMYK JPEG");
  int format = colorspace == TJCS_GRAY ? TJPF_GRAY : TJPF_RGB;
  int channels = tjPixelSize[format];
  int scaledWidth = (width + shrink - 1) / shrink;
  int scaledHeight = (height + shrink - 1) / shrink;
  size_t needed = (size_t)scaledWidth * scaledHeight * channels;
  napi_value result;
  napi_create_object(env, &result);
  if (outLength < needed) {
    napi_set_named_property(env, result, "needed", number(env, (double)needed));
    return result;
  }
  // Flags 0: accurate integer IDCT and smooth upsampling, libjpeg's defaults, as libvips decodes.
  if (tjDecompress2(decoder, jpeg, (unsigned long)jpegLength, out, scaledWidth, 0, scaledHeight, format, 0) != 0) return fail(env, tjGetErrorStr2(decoder));
  napi_set_named_property(env, result, "width", number(env, scaledWidth));
  napi_set_named_property(env, result, "height", number(env, scaledHeight));
  napi_set_named_property(env, result, "channels", number(env, channels));
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "decode", NAPI_AUTO_LENGTH, decode, NULL, &fn);
  napi_set_named_property(env, exports, "decode", fn);
  return exports;
}
