/*
 * Offline verification of an e-license QR payload (docs/licenses.md "The QR payload";
 * decision 0020). Pure functions, no DOM: the page's glue is verify-page.js.
 *
 *   YWL1~{identifier}~{version}~{key_id}~{digest}~{valid_from}~{valid_until}~{fields}~{signature}
 *
 * The signature is SM2 over e = SM3(Z_A || M), user id 1234567812345678, M the UTF-8
 * bytes of the payload up to (not including) the last "~", DER-encoded, base64url
 * without padding. Offline results: valid, expired, not_yet_valid, unknown (key id not
 * published), tampered (anything that does not parse or does not verify, or a key of
 * another authority than the identifier's issuer). The key id is SM3 of the 64 bytes
 * X||Y, first 16 hex (the published key is 04||X||Y; only its id is compared here).
 *
 * Works as a classic script (window.YiwangVerify) and under CommonJS.
 */
(function (root, factory) {
  "use strict";
  var api = factory();
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  } else {
    root.YiwangVerify = api;
  }
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  var MAGIC = "YWL1";
  var SEPARATOR = "~";
  var PARTS = 9;
  // GM/T 0003.5 (SM2 recommended curve): the order n of the base point.
  var CURVE_ORDER = BigInt("0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123");
  // SM2 user id (GM/T 0009 default); sm-crypto-v2 uses the same default, named here
  // so that a change of the library's default cannot change what we verify.
  var USER_ID = "1234567812345678";
  var TIME_ZONE = "Asia/Shanghai"; // validity dates are calendar days in China

  var RE = {
    version: /^[0-9]{3}$/,
    keyId: /^[0-9a-f]{16}$/,
    digest: /^[0-9a-f]{64}$/,
    date: /^[0-9]{8}$/,
    base64url: /^[A-Za-z0-9_-]+$/,
    identifier: /^[0-9A-Za-z.]+$/,
    publicKey: /^(04)?[0-9a-fA-F]{128}$/,
  };

  function failure(reason) {
    return { ok: false, reason: reason };
  }

  /** A YYYYMMDD string that names a real calendar day. */
  function isCalendarDate(text) {
    if (!RE.date.test(text)) return false;
    var year = Number(text.slice(0, 4));
    var month = Number(text.slice(4, 6));
    var day = Number(text.slice(6, 8));
    var probe = new Date(Date.UTC(year, month - 1, day));
    return (
      probe.getUTCFullYear() === year && probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day
    );
  }

  /** Strict base64url without padding: the alphabet only, no impossible length, and the
   * unused low bits of the last character zero (one encoding per byte string, so a
   * re-encoded signature is not a second valid payload). Returns a Uint8Array or null. */
  function base64urlDecode(text) {
    if (!RE.base64url.test(text) || text.length % 4 === 1) return null;
    var alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    var bytes = [];
    var buffer = 0;
    var bits = 0;
    for (var i = 0; i < text.length; i++) {
      buffer = (buffer << 6) | alphabet.indexOf(text.charAt(i));
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        bytes.push((buffer >> bits) & 0xff);
      }
    }
    if ((buffer & ((1 << bits) - 1)) !== 0) return null;
    return new Uint8Array(bytes);
  }

  function hex(bytes) {
    var out = "";
    for (var i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    return out;
  }

  /** One DER INTEGER at `at`: {value: BigInt, next} or null. Minimal length and content
   * encodings only (DER, X.690 8.3.2 and 10.1), non-negative. */
  function derInteger(bytes, at) {
    if (at + 2 > bytes.length || bytes[at] !== 0x02) return null;
    var length = bytes[at + 1];
    if (length === 0 || length > 33) return null; // short form: r, s < 2^256
    var start = at + 2;
    var end = start + length;
    if (end > bytes.length) return null;
    if (bytes[start] & 0x80) return null; // negative
    if (length > 1 && bytes[start] === 0 && !(bytes[start + 1] & 0x80)) return null; // padded
    return { value: BigInt("0x" + hex(bytes.subarray(start, end))), next: end };
  }

  /** A DER SM2 signature (GM/T 0009: SEQUENCE { r INTEGER, s INTEGER }) → {r, s} as
   * 64-hex-digit strings, or null when it is not exactly that, with nothing after it,
   * and 1 <= r, s < n (checked here: the library's DER reader ignores trailing bytes,
   * and it signals an s out of range by throwing). */
  function decodeSignature(bytes) {
    if (bytes.length < 8 || bytes[0] !== 0x30) return null;
    var length = bytes[1];
    if (length & 0x80 || length + 2 !== bytes.length) return null; // at most 70 bytes: short form
    var r = derInteger(bytes, 2);
    if (r === null) return null;
    var s = derInteger(bytes, r.next);
    if (s === null || s.next !== bytes.length) return null;
    var inRange = function (v) {
      return v >= BigInt(1) && v < CURVE_ORDER;
    };
    if (!inRange(r.value) || !inRange(s.value)) return null;
    var pad = function (v) {
      var h = v.toString(16);
      return "0".repeat(64 - h.length) + h;
    };
    return { r: pad(r.value), s: pad(s.value) };
  }

  /** `label=value;label=value` → [{label, value}]; the encoder removed "~ ; =" and line
   * breaks from both, so each pair holds exactly one "=" and a non-empty label. */
  function parseFields(text) {
    if (text === "") return [];
    var pairs = text.split(";");
    var fields = [];
    for (var i = 0; i < pairs.length; i++) {
      var cut = pairs[i].split("=");
      if (cut.length !== 2 || cut[0] === "" || /[\r\n]/.test(pairs[i])) return null;
      fields.push({ label: cut[0], value: cut[1] });
    }
    return fields;
  }

  /**
   * Parse a payload. → {ok: true, payload} or {ok: false, reason}; never throws.
   * payload: {identifier, version, keyId, digest, validFrom, validUntil (null when the
   * license does not expire), fields, signature: {r, s}, message (the signed text)}.
   */
  function parsePayload(text) {
    if (typeof text !== "string") return failure("not_text");
    // A pasted payload may carry the paste's surrounding white space; the payload itself
    // begins with "YWL1" and ends with base64url, so trimming never changes what was signed.
    text = text.trim();
    var parts = text.split(SEPARATOR);
    if (parts.length !== PARTS) return failure("parts");
    if (parts[0] !== MAGIC) return failure("magic");
    var identifier = parts[1];
    if (!RE.identifier.test(identifier)) return failure("identifier");
    if (!RE.version.test(parts[2])) return failure("version");
    if (!RE.keyId.test(parts[3])) return failure("key_id");
    if (!RE.digest.test(parts[4])) return failure("digest");
    if (!isCalendarDate(parts[5])) return failure("valid_from");
    if (parts[6] !== "" && (!isCalendarDate(parts[6]) || parts[6] < parts[5])) {
      return failure("valid_until");
    }
    var fields = parseFields(parts[7]);
    if (fields === null) return failure("fields");
    var der = base64urlDecode(parts[8]);
    var signature = der === null ? null : decodeSignature(der);
    if (signature === null) return failure("signature_encoding");
    return {
      ok: true,
      payload: {
        identifier: identifier,
        version: parts[2],
        keyId: parts[3],
        digest: parts[4],
        validFrom: parts[5],
        validUntil: parts[6] === "" ? null : parts[6],
        fields: fields,
        signature: signature,
        message: parts.slice(0, PARTS - 1).join(SEPARATOR),
      },
    };
  }

  /** The issuing authority's USCC in a GB/T 36904-style identifier: its 4th-last part. */
  function issuerOf(identifier) {
    var parts = identifier.split(".");
    return parts.length >= 4 ? parts[parts.length - 4] : "";
  }

  function hexToBytes(text) {
    var bytes = new Uint8Array(text.length / 2);
    for (var i = 0; i < bytes.length; i++) bytes[i] = parseInt(text.substr(i * 2, 2), 16);
    return bytes;
  }

  /** The key id of a published public key (130 hex 04||X||Y, or 128 hex X||Y): the first
   * 16 hex characters of SM3 over the 64 bytes X||Y — the server's rule
   * (common.anchoring.key_id_of). `sm3` = SmCryptoV2.sm3 (bytes → hex). */
  function keyIdOf(publicKeyHex, sm3) {
    var point = publicKeyHex.toLowerCase();
    if (point.length === 130) point = point.slice(2);
    return String(sm3(hexToBytes(point))).slice(0, 16);
  }

  /** The published key with this id from GET /api/v1/licenses/keys, or null. With `sm3`,
   * a key listed under an id that is not its own is not taken (it verifies nothing). */
  function findKey(keysDocument, keyId, sm3) {
    var keys = keysDocument && Array.isArray(keysDocument.keys) ? keysDocument.keys : [];
    for (var i = 0; i < keys.length; i++) {
      var key = keys[i];
      if (key && key.key_id === keyId && key.algorithm === "SM2" && RE.publicKey.test(key.public_key || "")) {
        if (sm3 && keyIdOf(key.public_key, sm3) !== keyId) continue;
        return key;
      }
    }
    return null;
  }

  /** SM2 verification through sm-crypto-v2 (`sm2` = SmCryptoV2.sm2): e = SM3(Z_A || M)
   * with the user id above; r||s given raw (decoded strictly above). */
  function signatureVerifies(payload, key, sm2) {
    var publicKey = key.public_key.toLowerCase();
    if (publicKey.length === 128) publicKey = "04" + publicKey; // X||Y as gmssl-pyx gives it
    var message = new TextEncoder().encode(payload.message);
    try {
      return (
        sm2.doVerifySignature(message, payload.signature.r + payload.signature.s, publicKey, {
          hash: true,
          der: false,
          userId: USER_ID,
        }) === true
      );
    } catch (error) {
      return false; // a public key that is not a point of the curve verifies nothing
    }
  }

  /** Today's date in China as YYYYMMDD (the validity dates are Chinese calendar days). */
  function todayInChina(now) {
    var parts = new Intl.DateTimeFormat("en-CA", {
      timeZone: TIME_ZONE,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    }).formatToParts(now || new Date());
    var pick = function (type) {
      for (var i = 0; i < parts.length; i++) if (parts[i].type === type) return parts[i].value;
      return "";
    };
    return pick("year") + pick("month") + pick("day");
  }

  /**
   * The offline result of a payload (the spec's offline rules):
   *   parse failure, bad signature, or a key of another authority than the
   *   identifier's issuer (key.authority_uscc) → tampered; key id not published → unknown;
   *   today after valid_until → expired; before valid_from → not_yet_valid; else valid.
   * Revoked, suspended and superseded are known only online.
   * → {result, reason, payload (null if it did not parse), key (null unless found)}.
   */
  function verifyOffline(text, keysDocument, sm2, today, sm3) {
    var parsed = parsePayload(text);
    if (!parsed.ok) return { result: "tampered", reason: parsed.reason, payload: null, key: null };
    var payload = parsed.payload;
    var key = findKey(keysDocument, payload.keyId, sm3);
    if (key === null) return { result: "unknown", reason: "key_not_published", payload: payload, key: null };
    if (!signatureVerifies(payload, key, sm2)) {
      return { result: "tampered", reason: "signature", payload: payload, key: key };
    }
    if (key.authority_uscc !== issuerOf(payload.identifier)) {
      // A good signature by another authority's key: not this issuer's license (the
      // server refuses it the same way; docs/licenses.md "Results").
      return { result: "tampered", reason: "key_of_another_authority", payload: payload, key: null };
    }
    var day = today || todayInChina();
    if (payload.validUntil !== null && day > payload.validUntil) {
      return { result: "expired", reason: "after_valid_until", payload: payload, key: key };
    }
    if (day < payload.validFrom) {
      return { result: "not_yet_valid", reason: "before_valid_from", payload: payload, key: key };
    }
    return { result: "valid", reason: "ok", payload: payload, key: key };
  }

  /** YYYYMMDD → YYYY-MM-DD for display. */
  function displayDate(text) {
    return text ? text.slice(0, 4) + "-" + text.slice(4, 6) + "-" + text.slice(6, 8) : "";
  }

  return {
    parsePayload: parsePayload,
    decodeSignature: decodeSignature,
    base64urlDecode: base64urlDecode,
    findKey: findKey,
    keyIdOf: keyIdOf,
    issuerOf: issuerOf,
    signatureVerifies: signatureVerifies,
    verifyOffline: verifyOffline,
    todayInChina: todayInChina,
    displayDate: displayDate,
    USER_ID: USER_ID,
  };
});
