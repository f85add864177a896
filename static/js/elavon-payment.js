// Elavon Converge's Lightbox on the payment page (commerce/elavon_pay.html). The card is entered
// in Converge's own window; its callback hands us the sale's id, which this page posts to our
// server, where Converge is asked whether that sale really happened. The Hosted Payment Page link
// is the same payment without the Lightbox.
(function () {
  "use strict";

  const token = JSON.parse(document.getElementById("elavon-token").textContent);
  const form = document.getElementById("elavon-form");
  const message = document.getElementById("payment-message");

  function submitSale(response) {
    document.getElementById("elavon-txn-id").value = response.ssl_txn_id || "";
    form.submit();
  }

  document.getElementById("elavon-pay").addEventListener("click", () => {
    if (!window.PayWithConverge) {
      message.textContent = "Elavon's payment window could not load: use the payment page link.";
      return;
    }
    window.PayWithConverge.open({ssl_txn_auth_token: token}, {
      onApproval: submitSale,
      onDeclined: submitSale,
      onError: () => { message.textContent = "The payment could not be completed."; },
      onCancelled: () => { message.textContent = "Payment cancelled; nothing was charged."; },
    });
  });
})();
