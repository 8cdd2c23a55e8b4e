import AttnlabCLI
import Foundation

exit(Attnlab.execute(Array(CommandLine.arguments.dropFirst())))
