// Stripe's Payment Element on the payment page (commerce/stripe_pay.html). Card details go from
// this page to Stripe directly; our server only ever sees references. The page hands over the
// publishable key, the intent's client secret and the return URL as JSON data blocks.
(function () {
  "use strict";

  function data(id) {
    return JSON.parse(document.getElementById(id).textContent);
  }

  const stripe = Stripe(data("publishable-key"));
  const elements = stripe.elements({clientSecret: data("client-secret")});
  // Apple Pay and Google Pay show in the Payment Element where the device and browser offer them
  // (Apple Pay also needs this domain registered with Stripe and its association file served).
  elements
    .create("payment", {wallets: {applePay: "auto", googlePay: "auto"}})
    .mount("#payment-element");

  document.getElementById("payment-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const {error} = await stripe.confirmPayment({
      elements,
      confirmParams: {return_url: data("return-url")},
    });
    if (error) {
      document.getElementById("payment-message").textContent = error.message;
    }
  });
})();
