// PayPal's buttons on the checkout page (commerce/checkout/processors/paypal.html), drawn by
// PayPal's own JS SDK. Clicking one places our order for the cart with the address and coupon
// typed in the form (POST /api/v1/checkout/ with processor "paypal"), which creates the PayPal
// order; the buyer approves it in PayPal's window; we then ask our server to capture it and go to
// the order page, which shows how it ended. PayPal account or card details never reach us.
(function () {
  "use strict";

  const container = document.getElementById("paypal-buttons");
  if (!container) {
    return;
  }
  const form = container.closest("form");
  const message = document.getElementById("paypal-message");
  const payButton = form.querySelector('button[name="action"][value="pay"]');
  let started = null;

  function show(text) {
    message.textContent = text;
    message.hidden = false;
  }

  // PayPal pays with its own button; the form's Pay button is for the other choices.
  function choiceChanged() {
    const chosen = form.querySelector('input[name="processor"]:checked, input[name="processor"][type="hidden"]');
    const paypal = chosen !== null && chosen.value === "paypal";
    // Styles may set how buttons display, which would outweigh the hidden attribute.
    container.style.display = paypal ? "" : "none";
    if (payButton) {
      payButton.style.display = paypal ? "none" : "";
    }
  }
  form.querySelectorAll('input[name="processor"]').forEach((input) => {
    input.addEventListener("change", choiceChanged);
  });
  choiceChanged();

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "X-CSRFToken": form.elements.csrfmiddlewaretoken.value,
      },
      body: JSON.stringify(body),
    });
    const data = await response.json();
    if (!response.ok) {
      throw new Error((data.error && data.error.message) || "The payment could not be started.");
    }
    return data;
  }

  if (!window.paypal || !window.paypal.Buttons) {
    show("PayPal could not be loaded. Choose another way to pay, or try again later.");
    return;
  }

  window.paypal.Buttons({
    async createOrder() {
      message.hidden = true;
      // The region field is only on the page where a country's tax depends on it.
      const field = (name) => (form.elements[name] ? form.elements[name].value : "");
      started = await post(container.dataset.startUrl, {
        billingCountry: field("billing_country"),
        billingRegion: field("billing_region"),
        couponCode: field("coupon_code"),
        processor: "paypal",
      });
      if (started.orderState === "paid") {
        // Nothing to pay (a 100% coupon): the order is paid already, PayPal has no part in it.
        window.location.assign(container.dataset.orderUrl.replace("ORDER_ID", started.orderId));
        throw new Error("Nothing to pay: your order is confirmed.");
      }
      return started.processorReference;
    },
    async onApprove() {
      const url = container.dataset.captureUrl.replace("PAYMENT_ID", started.payment.paymentId);
      await post(url, {});
      window.location.assign(container.dataset.orderUrl.replace("ORDER_ID", started.orderId));
    },
    onCancel() {
      show("You left PayPal before paying. Nothing was charged.");
    },
    onError(error) {
      show(error && error.message ? error.message : "PayPal could not take the payment.");
    },
  }).render(container);
})();
