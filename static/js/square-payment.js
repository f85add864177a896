// Square's Web Payments SDK on the payment page (commerce/square_pay.html). The card form is
// Square's iframe; tokenizing it gives a one-time source token, which this page posts to our
// server (with a buyer verification token for 3-D Secure). Apple Pay and Google Pay buttons show
// where the device offers them and give the same kind of token.
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("square-config").textContent);
  const form = document.getElementById("square-form");
  const message = document.getElementById("payment-message");

  function fail(text) {
    message.textContent = text;
  }

  async function submitToken(payments, tokenResult, withVerification) {
    if (tokenResult.status !== "OK") {
      fail((tokenResult.errors || []).map((e) => e.message).join(" ") || "The payment failed.");
      return;
    }
    document.getElementById("square-token").value = tokenResult.token;
    if (withVerification) {
      const verification = await payments.verifyBuyer(tokenResult.token, {
        amount: config.amount,
        currencyCode: config.currency,
        intent: "CHARGE",
        billingContact: {countryCode: config.country},
      });
      document.getElementById("square-verification-token").value = verification.token;
    }
    form.submit();
  }

  async function wallets(payments) {
    const request = payments.paymentRequest({
      countryCode: config.country,
      currencyCode: config.currency,
      total: {amount: config.amount, label: "Total"},
    });
    try {
      const applePay = await payments.applePay(request);
      const button = document.getElementById("apple-pay-button");
      button.hidden = false;
      button.addEventListener("click", async () => submitToken(payments, await applePay.tokenize(), false));
    } catch (error) {
      // Apple Pay is not offered on this device or browser.
    }
    try {
      const googlePay = await payments.googlePay(request);
      const button = document.getElementById("google-pay-button");
      await googlePay.attach("#google-pay-button");
      button.hidden = false;
      button.addEventListener("click", async () => submitToken(payments, await googlePay.tokenize(), false));
    } catch (error) {
      // Google Pay is not offered here.
    }
  }

  async function start() {
    if (!window.Square) {
      fail("Square's payment form could not load. Please try again later.");
      return;
    }
    const payments = window.Square.payments(config.applicationId, config.locationId);
    const card = await payments.card();
    await card.attach("#card-container");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      await submitToken(payments, await card.tokenize(), true);
    });
    await wallets(payments);
  }

  start().catch((error) => fail(error.message));
})();
