/* Dossier form: the maximum support of each item row, recomputed as the applicant types.
   The rule of each catalogue item comes from the page (the form's data-support-rules, JSON
   written by the server from the year's data; no inline script, as the CSP wants). The formula is the one of
   grants/domain/money.py: max_support(cost, share, cap) = support_amount(eligible = cost,
   share, cap, requested = cost) = min(floor(share × cost / 100), cost, cap), in exact integers.
   The server shows the same line after saving; the page works without this file. */
(function () {
  "use strict";

  var MAX_VND = 1000000000000000; // 10^15, as money.MAX_VND

  function maxSupport(costVnd, sharePercent, capVnd) {
    var byShare = (BigInt(sharePercent) * BigInt(costVnd)) / 100n; // floor: all non-negative
    var limits = [byShare, BigInt(costVnd)];
    if (capVnd !== null && capVnd !== undefined) {
      limits.push(BigInt(capVnd));
    }
    var least = limits.reduce(function (a, b) { return b < a ? b : a; });
    return Number(least);
  }

  /* "120.000.000", "120 000 000 đ", "120000000" -> 120000000; anything else -> null (the
     server says what is wrong on saving). */
  function parseVnd(text) {
    var body = String(text || "").replace(/^[\s\u00a0\u202f\u2009]+|[\s\u00a0\u202f\u2009]+$/g, "");
    body = body.replace(/\s*(vnđ|vnd|đồng|đ|₫)$/i, "");
    var digits = null;
    if (/^[0-9]+$/.test(body)) {
      digits = body;
    } else if (/^[0-9]{1,3}([. \u00a0\u202f\u2009])[0-9]{3}(\1[0-9]{3})*$/.test(body)) {
      digits = body.replace(/[^0-9]/g, "");
    }
    if (digits === null || digits.replace(/^0+/, "").length > 16) {
      return null;
    }
    var amount = Number(digits);
    return amount <= MAX_VND ? amount : null;
  }

  function formatVnd(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ".") + " đ";
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  function render(box, rule, cost, requested) {
    box.textContent = "";
    if (!rule || cost === null) {
      return;
    }
    var max = maxSupport(cost, rule.share_percent, rule.cap_vnd);
    var line = element("div");
    line.appendChild(document.createTextNode("Mức hỗ trợ tối đa: "));
    var strong = element("strong", "", formatVnd(max));
    strong.setAttribute("data-max-value", "");
    line.appendChild(strong);
    line.appendChild(document.createTextNode(" "));
    line.appendChild(element("span", "text-muted", "(" + rule.share_percent + "% × " +
      formatVnd(cost) + ", không quá " + formatVnd(rule.cap_vnd) + ")"));
    box.appendChild(line);
    if (requested !== null && requested > max) {
      var warning = element("div", "alert alert-warning py-1 px-2 mt-1 mb-0",
        "Số tiền đề nghị vượt mức hỗ trợ tối đa " + formatVnd(max) +
        "; phần vượt sẽ không được hỗ trợ.");
      warning.setAttribute("role", "status");
      warning.setAttribute("data-max-warning", "");
      box.appendChild(warning);
    }
  }

  function setUp() {
    var form = document.querySelector("form[data-support-rules]");
    if (!form) {
      return;
    }
    var rules = JSON.parse(form.getAttribute("data-support-rules") || "{}");
    form.querySelectorAll("[data-item-row]").forEach(function (row) {
      var box = row.querySelector("[data-max-support]");
      var code = row.querySelector("select[name$='-catalogue_code']");
      var cost = row.querySelector("input[name$='-consulting_cost_vnd']");
      var requested = row.querySelector("input[name$='-requested_vnd']");
      if (!box || !code || !cost || !requested) {
        return;
      }
      function update() {
        render(box, rules[code.value], parseVnd(cost.value), parseVnd(requested.value));
      }
      [code, cost, requested].forEach(function (input) {
        input.addEventListener("input", update);
        input.addEventListener("change", update);
      });
    });
  }

  window.grantsSupportMax = { maxSupport: maxSupport, parseVnd: parseVnd, formatVnd: formatVnd };
  setUp();
}());
