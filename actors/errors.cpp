#include "actors/errors.hpp"

namespace rooms::domain {

caf::error make_error(error_code code, std::string message) {
  return caf::error(static_cast<std::uint8_t>(code), actors::rooms_category,
                    caf::make_message(std::move(message)));
}

}  // namespace rooms::domain

namespace rooms::actors {

std::optional<domain::error_code> code_of(const caf::error& err) {
  if (!err || err.category() != rooms_category) return std::nullopt;
  return static_cast<domain::error_code>(err.code());
}

std::string message_of(const caf::error& err) {
  if (!code_of(err) || !err.context().match_elements<std::string>()) return {};
  return err.context().get_as<std::string>(0);
}

void register_error_category(caf::actor_system_config& cfg) {
  cfg.add_error_category(
      rooms_category, [](std::uint8_t code, caf::atom_value, const caf::message& context) {
        std::string text = "rooms:";
        text += domain::to_string(static_cast<domain::error_code>(code));
        if (context.match_elements<std::string>() && !context.get_as<std::string>(0).empty())
          text += ": " + context.get_as<std::string>(0);
        return text;
      });
}

}  // namespace rooms::actors
